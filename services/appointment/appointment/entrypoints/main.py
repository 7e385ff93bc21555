"""Appointment's composition root: the one place its dependencies are built."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from uuid import UUID

import httpx
import structlog
from fastapi import FastAPI

from appointment.adapters.mongo import (
    AppointmentCollections,
    MongoAppointmentQueries,
    MongoCaseDirectory,
    MongoEraser,
    MongoUnitOfWork,
)
from appointment.application.advance_site_closure import run_site_closure
from appointment.application.erase_beneficiary import erase_beneficiary
from appointment.application.hold_from_session import hold_from_session
from appointment.application.ports import AppointmentQueries, Clock, UnitOfWork
from appointment.domain.booking import Policy
from appointment.entrypoints.collective_wiring import build_collective
from appointment.entrypoints.http import SERVICE, AppointmentDeps, build_router
from appointment.entrypoints.notifications import NotificationSettings, build_notifications
from jalon_shared.directory import directory_router, register_directory
from jalon_shared.events import topics
from jalon_shared.events.appointment import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentHeld,
    AppointmentModalityChanged,
    AppointmentNoShow,
    AppointmentRescheduled,
)
from jalon_shared.events.envelope import Event, EventMeta, utc_now
from jalon_shared.mongo import Session
from jalon_shared.runtime import Infrastructure, create_service_app, serve, verifier_from
from jalon_shared.settings import DEV_PORTS, ServiceSettings

log = structlog.get_logger(__name__)


class AppointmentSettings(ServiceSettings):
    """Settings with this service's defaults."""

    service_name: str = "appointment"
    http_port: int = DEV_PORTS["appointment"]
    notifications: NotificationSettings = NotificationSettings()


class ClosureRunner:
    """Applies site closures in the background and resumes the running ones at start."""

    def __init__(self, uow: UnitOfWork, queries: AppointmentQueries, clock: Clock) -> None:
        self._uow = uow
        self._queries = queries
        self._clock = clock
        self._tasks: dict[UUID, asyncio.Task[None]] = {}

    def start(self, closure_id: UUID) -> None:
        """Run a closure's batches unless they already run here."""
        if closure_id in self._tasks:
            return
        self._tasks[closure_id] = asyncio.create_task(self._run(closure_id))

    async def _run(self, closure_id: UUID) -> None:
        try:
            await run_site_closure(self._uow, closure_id, self._clock)
            log.info("site closure applied", closure_id=str(closure_id))
        except Exception:
            # A later start or another replica's resume picks it up from its cursor.
            log.exception("site closure interrupted", closure_id=str(closure_id))
        finally:
            self._tasks.pop(closure_id, None)

    async def resume(self) -> None:
        """Start every closure a stop left running."""
        for closure in await self._queries.running_closures():
            self.start(closure.closure_id)

    async def stop(self) -> None:
        """Cancel the running closures; their cursors let the next start resume them."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def build_app(
    settings: ServiceSettings, clock: Clock = utc_now, http: httpx.AsyncClient | None = None
) -> FastAPI:
    """Wire the adapters, use cases, consumers and routes (tests may pass a clock and a client)."""
    infra = Infrastructure.build(settings)
    directory = register_directory(infra)
    collections = AppointmentCollections(infra.database)
    # A client passed in belongs to the caller, who closes it; one made here is closed here.
    closing: list[Callable[[], Awaitable[None]]] = []
    if http is None:
        http = httpx.AsyncClient(timeout=10)
        closing.append(http.aclose)
    # Tests build the app from plain service settings, which carry no notification section.
    options = (
        settings.notifications
        if isinstance(settings, AppointmentSettings)
        else NotificationSettings()
    )
    notifications = build_notifications(infra, options, http, clock)
    collective = build_collective(
        infra, directory, clock=clock, on_notices=notifications.dispatcher.wake
    )
    uow = MongoUnitOfWork(
        infra.client,
        collections,
        infra.outbox,
        infra.relay,
        clock,
        on_notices=notifications.dispatcher.wake,
    )
    queries = MongoAppointmentQueries(collections)
    cases = MongoCaseDirectory(collections)
    eraser = MongoEraser(collections)
    closures = ClosureRunner(uow, queries, clock)

    async def on_erasure(event: Event, session: Session) -> None:
        # Runs inside the consumer's transaction, next to its processed-event marker.
        await erase_beneficiary(eraser, event, session)
        await collective.erase(event, session)

    infra.consume(f"{settings.service_name}.erasure", [topics.INTAKE_BENEFICIARY], on_erasure)

    async def on_session(event: Event, session: Session) -> None:
        # Runs inside the consumer's transaction, next to its processed-event marker: a
        # redelivered session.ended finds the marker, or the appointment already held.
        meta = EventMeta(
            correlation_id=event.correlation_id, causation_id=str(event.event_id), producer=SERVICE
        )
        await hold_from_session(uow.joining(session), queries, cases, event, now=clock(), meta=meta)

    infra.consume(f"{settings.service_name}.sessions", [topics.SESSION], on_session)
    infra.document_publications(
        {
            topics.APPOINTMENT: [
                AppointmentBooked,
                AppointmentRescheduled,
                AppointmentCancelled,
                AppointmentHeld,
                AppointmentNoShow,
                AppointmentModalityChanged,
            ]
        }
    )
    deps = AppointmentDeps(
        uow=uow,
        queries=queries,
        directory=cases,
        clock=clock,
        policy=Policy(),
        start_closure=closures.start,
    )
    return create_service_app(
        infra,
        title="Jalon appointment",
        description=(
            "Counsellors' availability, bookings in every modality, requalification to remote "
            "with consent, site closures, waitlist, reminders and no-shows."
        ),
        routers=[
            build_router(deps),
            collective.router,
            directory_router(directory),
            notifications.router,
        ],
        verifier=verifier_from(settings),
        on_startup=[
            directory.ensure_indexes,
            collections.ensure_indexes,
            *notifications.on_startup,
            *collective.on_startup,
            closures.resume,
        ],
        on_shutdown=[closures.stop, *closing],
        background=[notifications.dispatcher.run],
    )


def main() -> None:
    """Run the service."""
    serve(build_app, AppointmentSettings())

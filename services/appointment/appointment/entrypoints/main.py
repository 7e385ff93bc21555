"""Appointment's composition root: the one place its dependencies are built."""

from __future__ import annotations

import asyncio
from uuid import UUID

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
from appointment.application.ports import AppointmentQueries, Clock, UnitOfWork
from appointment.domain.booking import Policy
from appointment.entrypoints.http import AppointmentDeps, build_router
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
from jalon_shared.events.envelope import Event, utc_now
from jalon_shared.mongo import Session
from jalon_shared.runtime import Infrastructure, create_service_app, serve, verifier_from
from jalon_shared.settings import DEV_PORTS, ServiceSettings

log = structlog.get_logger(__name__)


class AppointmentSettings(ServiceSettings):
    """Settings with this service's defaults."""

    service_name: str = "appointment"
    http_port: int = DEV_PORTS["appointment"]


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


def build_app(settings: ServiceSettings, clock: Clock = utc_now) -> FastAPI:
    """Wire the adapters, use cases, consumers and routes (tests may pass a clock)."""
    infra = Infrastructure.build(settings)
    directory = register_directory(infra)
    collections = AppointmentCollections(infra.database)
    uow = MongoUnitOfWork(infra.client, collections, infra.outbox, infra.relay, clock)
    queries = MongoAppointmentQueries(collections)
    cases = MongoCaseDirectory(collections)
    eraser = MongoEraser(collections)
    closures = ClosureRunner(uow, queries, clock)

    async def on_erasure(event: Event, session: Session) -> None:
        # Runs inside the consumer's transaction, next to its processed-event marker.
        await erase_beneficiary(eraser, event, session)

    infra.consume("appointment.erasure", [topics.INTAKE_BENEFICIARY], on_erasure)
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
        routers=[build_router(deps), directory_router(directory)],
        verifier=verifier_from(settings),
        on_startup=[directory.ensure_indexes, collections.ensure_indexes, closures.resume],
        on_shutdown=[closures.stop],
    )


def main() -> None:
    """Run the service."""
    serve(build_app, AppointmentSettings())

"""Remote session's composition root: the one place its dependencies are built."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from uuid import UUID

import httpx
import structlog
from fastapi import FastAPI

from jalon_shared.auth import ServiceTokens
from jalon_shared.directory import directory_router, register_directory
from jalon_shared.events import topics
from jalon_shared.events.envelope import Event, EventMeta, utc_now
from jalon_shared.events.session import (
    SessionCallLogged,
    SessionEnded,
    SessionMessagePosted,
    SessionOpened,
    SessionParticipantJoined,
    SessionParticipantLeft,
    SessionTaskAssigned,
    SessionTaskCompleted,
)
from jalon_shared.mongo import Session
from jalon_shared.runtime import Infrastructure, create_service_app, serve, verifier_from
from jalon_shared.settings import DEV_PORTS, ServiceSettings
from jalon_shared.smtp import SmtpRelay
from remote_session.adapters.contacts import HttpPeople
from remote_session.adapters.files import GridFsFiles
from remote_session.adapters.mailer import SmtpMailer
from remote_session.adapters.media import IceServer, MediaHub, MediaOptions, MediaState
from remote_session.adapters.mongo import (
    MongoEraser,
    MongoRoomQueries,
    MongoSessionQueries,
    MongoUnitOfWork,
    SessionCollections,
)
from remote_session.adapters.names import DisplayNames
from remote_session.adapters.tickets import JwtTickets
from remote_session.adapters.turn import IceConfig
from remote_session.application.erase_beneficiary import erase_beneficiary
from remote_session.application.ports import Clock
from remote_session.application.room_ports import RoomQueries, RoomUnitOfWork
from remote_session.application.sweep_empty_rooms import sweep_empty_rooms
from remote_session.domain.rooms import RoomPolicy
from remote_session.entrypoints.appointment_events import follow_appointments
from remote_session.entrypoints.http import RAW_ROUTES, SERVICE, SessionDeps, build_router
from remote_session.entrypoints.rooms_http import RoomDeps, build_rooms_router
from remote_session.entrypoints.settings import RoomsSettings, ThreadsSettings
from remote_session.entrypoints.signalling import (
    SignallingDeps,
    SignallingOptions,
    SignallingRegistry,
    signalling_router,
)

#: The beneficiary's messages on the web front, which the new-message notice links to.
BENEFICIARY_MESSAGES_PATH = "/beneficiary/messages"

__all__ = ["RemoteSessionSettings", "RoomsSettings", "ThreadsSettings", "build_app"]

log = structlog.get_logger(__name__)


class RemoteSessionSettings(ServiceSettings):
    """Settings with this service's defaults."""

    service_name: str = "remote_session"
    http_port: int = DEV_PORTS["remote_session"]
    threads: ThreadsSettings = ThreadsSettings()
    rooms: RoomsSettings = RoomsSettings()


def ticket_secret(settings: RoomsSettings) -> str:
    """Return the configured ticket secret, or one made for this process only."""
    if settings.ticket_secret is not None:
        return settings.ticket_secret.get_secret_value()
    log.warning("ticket secret made for this process only: set JALON_ROOMS__TICKET_SECRET")
    return secrets.token_urlsafe(48)


def room_policy(settings: RoomsSettings) -> RoomPolicy:
    """Return the rooms' rules from the settings."""
    return RoomPolicy(
        join_early=timedelta(minutes=settings.join_early_minutes),
        join_late=timedelta(minutes=settings.join_late_minutes),
        collective_length=timedelta(hours=settings.collective_hours),
        capacity=settings.capacity,
        empty_grace=timedelta(seconds=settings.empty_room_grace_seconds),
    )


def ice_config(settings: RoomsSettings) -> IceConfig:
    """Return the STUN and TURN servers participants are given."""
    return IceConfig(
        settings.stun_urls,
        settings.turn_urls,
        settings.turn_secret.get_secret_value() if settings.turn_secret else None,
        timedelta(seconds=settings.turn_ttl_seconds),
    )


class RoomSweeper:
    """Ends the sessions left empty past the grace period, every interval."""

    def __init__(
        self,
        uow: RoomUnitOfWork,
        queries: RoomQueries,
        policy: RoomPolicy,
        registry: SignallingRegistry,
        clock: Clock,
        *,
        interval: float,
        producer: str,
    ) -> None:
        self._uow = uow
        self._queries = queries
        self._policy = policy
        self._registry = registry
        self._clock = clock
        self._interval = interval
        self._producer = producer

    async def sweep(self) -> int:
        """Run one sweep now; return how many sessions it ended."""
        meta = EventMeta(correlation_id=f"sweep-{secrets.token_hex(8)}", producer=self._producer)
        ended = await sweep_empty_rooms(
            self._uow, self._queries, self._policy, now=self._clock(), meta=meta
        )
        for room in ended:
            # A lobby still open on this replica is told the session is over.
            await self._registry.room_ended(room)
        return len(ended)

    async def run(self) -> None:
        """Sweep until cancelled; a failed sweep is logged and the next one tries again."""
        while True:
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("room sweep failed")
            await asyncio.sleep(self._interval)


def build_mailer(settings: ThreadsSettings) -> SmtpMailer:
    """Return the SMTP mailer for the new-message notice."""
    return SmtpMailer(
        SmtpRelay.from_settings(settings),
        messages_url=settings.web_url.rstrip("/") + BENEFICIARY_MESSAGES_PATH,
    )


def build_app(
    settings: ServiceSettings, clock: Clock = utc_now, http: httpx.AsyncClient | None = None
) -> FastAPI:
    """Wire the directory copy, threads and tasks, rooms, signalling, the relay and erasure.

    Tests may pass a clock and an HTTP client (for intake).
    """
    infra = Infrastructure.build(settings)
    directory = register_directory(infra)
    collections = SessionCollections(infra.database)
    # A client passed in belongs to the caller, who closes it; one made here is closed here.
    closing: list[Callable[[], Awaitable[None]]] = []
    if http is None:
        http = httpx.AsyncClient(timeout=10)
        closing.append(http.aclose)
    # Tests and other services' suites build the app from plain settings, with no sections.
    own = settings if isinstance(settings, RemoteSessionSettings) else None
    options = own.threads if own else ThreadsSettings()
    rooms = own.rooms if own else RoomsSettings()
    tokens = ServiceTokens(
        settings.auth.service_private_key(),
        service=settings.service_name,
        audience=settings.auth.audience,
    )
    eraser = MongoEraser(collections)

    async def on_erasure(event: Event, session: Session) -> None:
        # Runs inside the consumer's transaction, next to its processed-event marker.
        await erase_beneficiary(eraser, event, session)

    uow = MongoUnitOfWork(infra.client, collections, infra.outbox, infra.relay)
    policy = room_policy(rooms)
    infra.consume(f"{settings.service_name}.erasure", [topics.INTAKE_BENEFICIARY], on_erasure)
    infra.consume(
        f"{settings.service_name}.appointments",
        [topics.APPOINTMENT],
        follow_appointments(uow, policy, producer=SERVICE),
    )
    infra.document_publications(
        {
            topics.SESSION: [
                SessionMessagePosted,
                SessionTaskAssigned,
                SessionTaskCompleted,
                SessionOpened,
                SessionParticipantJoined,
                SessionParticipantLeft,
                SessionEnded,
                SessionCallLogged,
            ]
        }
    )
    people = HttpPeople(http, options.intake_url, tokens)
    deps = SessionDeps(
        uow=uow,
        queries=MongoSessionQueries(collections),
        directory=directory,
        files=GridFsFiles(infra.database),
        people=people,
        mailer=build_mailer(options),
        clock=clock,
    )
    room_queries = MongoRoomQueries(collections)
    tickets = JwtTickets(ticket_secret(rooms), timedelta(seconds=rooms.ticket_ttl_seconds))
    ice = ice_config(rooms)
    room_deps = RoomDeps(
        uow=uow,
        queries=room_queries,
        directory=directory,
        names=DisplayNames(people, directory.counsellors),
        tickets=tickets,
        clock=clock,
    )

    async def on_media_state(room_id: UUID, participant_id: str, state: MediaState) -> None:
        # The registry records the change through record_media_state and tells the room.
        await registry.on_media_state(room_id, participant_id, state)

    # The relay's own peers get STUN only: TURN is for participants behind strict NATs.
    hub = MediaHub(
        MediaOptions(
            ice_servers=tuple(IceServer(s.urls) for s in ice.stun_only()),
            host_addresses=tuple(rooms.media_host_addresses),
            loopback_only=rooms.media_loopback_only,
            collective_video_height=rooms.collective_video_height,
        ),
        on_media_state,
    )
    registry = SignallingRegistry(
        SignallingDeps(
            uow=uow,
            queries=room_queries,
            tickets=tickets,
            ice=ice,
            policy=policy,
            clock=clock,
            options=SignallingOptions(
                allowed_origins=frozenset(o.rstrip("/") for o in rooms.allowed_origins),
                hello_timeout=rooms.hello_timeout_seconds,
                check_seconds=rooms.check_seconds,
            ),
            producer=SERVICE,
        ),
        hub,
    )
    sweeper = RoomSweeper(
        uow,
        room_queries,
        policy,
        registry,
        clock,
        interval=rooms.sweep_interval_seconds,
        producer=SERVICE,
    )
    return create_service_app(
        infra,
        title="Jalon remote session",
        description=(
            "Remote sessions: a room for every phone or video appointment and collective "
            "session, with two-minute tickets for its WebSocket signalling "
            "(/rooms/{room_id}/signal: lobby, admission, offer and answer, roster, end), the "
            "aiortc media relay, a pre-call check (/checks/signal), the measured session "
            "(session.ended) and the log of calls placed outside the system; and the "
            "asynchronous work between sessions: each case's message thread with attachments "
            "and read receipts, and the tasks the counsellor assigns. It keeps a copy of "
            "intake's staff directory and case ownership and answers case-access checks."
        ),
        routers=[
            build_router(deps),
            build_rooms_router(room_deps),
            signalling_router(registry),
            directory_router(directory),
        ],
        verifier=verifier_from(settings),
        on_startup=[directory.ensure_indexes, collections.ensure_indexes],
        # Sockets first, then the peers behind them, then the HTTP client.
        on_shutdown=[registry.close, hub.close, *closing],
        background=[sweeper.run],
        raw_routes=RAW_ROUTES,
    )


def main() -> None:
    """Run the service."""
    serve(build_app, RemoteSessionSettings())

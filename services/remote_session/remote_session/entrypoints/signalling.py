"""The signalling sockets: /rooms/{room_id}/signal for rooms, /checks/signal for pre-call checks.

The browser connects straight to this service with a ticket (POST /rooms/{id}/tickets), from the
web front's origin only. The protocol (JSON text frames) is the contract's: a hello within
10 s, a lobby the counsellor or presenter admits from, one offer per connection answered by the
media relay, trickled candidates, mute and audio-only switches, hang-up and end, and a roster
sent to everyone on every change. A second connection of the same participant replaces the
first: that is how a reload or a lost network reconnects.

Live connections are held in one registry object the composition root builds; the rooms'
state that must survive a connection (admissions, joins, the session's start and end) goes
through the use cases.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import structlog
from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import LeaveReason, ParticipantRole, RoomKind
from jalon_shared.logging import new_correlation_id
from remote_session.adapters.media import MalformedSdpError
from remote_session.application.admit_participant import admit_participant
from remote_session.application.end_session import end_session
from remote_session.application.enter_room import enter_room
from remote_session.application.errors import ConflictError, ForbiddenError, NotFoundError
from remote_session.application.ports import Clock
from remote_session.application.record_media_state import MediaChange, record_media_state
from remote_session.application.room_ports import (
    IceServers,
    MediaHub,
    MediaKind,
    MediaRole,
    MediaState,
    RoomCounts,
    RoomQueries,
    RoomUnitOfWork,
    TicketError,
    Tickets,
)
from remote_session.application.show_room import RoomPage
from remote_session.domain.rooms import STAFF_ROLES, Room, RoomPolicy
from remote_session.entrypoints.rooms_schemas import CHECK_SIGNAL_PATH, ROOM_SIGNAL_PATH, RoomOut

log = structlog.get_logger(__name__)

#: Close codes (the contract's).
NORMAL = 1000
GOING_AWAY = 1001
BAD_MESSAGE = 4400
BAD_TICKET = 4401
NOT_ALLOWED = 4403
UNKNOWN_ROOM = 4404
NOT_OPEN = 4409
REPLACED = NOT_OPEN
#: A frame larger than an offer can be (the relay refuses SDP over 100,000 characters).
MAX_FRAME_CHARS = 128 * 1024
#: Video counts as flowing once this many frames went each way.
MIN_VIDEO_FRAMES = 5

Frame = dict[str, Any]
MEDIA_ROLES: dict[ParticipantRole, MediaRole] = {
    ParticipantRole.COUNSELLOR: "counsellor",
    ParticipantRole.BENEFICIARY: "beneficiary",
    ParticipantRole.PRESENTER: "presenter",
    ParticipantRole.ATTENDEE: "attendee",
}
MEDIA_KINDS: dict[RoomKind, MediaKind] = {
    RoomKind.ONE_TO_ONE: "one_to_one",
    RoomKind.COLLECTIVE: "collective",
}


def video_flowed(kind: RoomKind, counts: RoomCounts) -> bool:
    """Return whether video went both ways: each side's reached the relay and the other side."""
    both = [
        p
        for p in counts.participants.values()
        if p.frames_received.video >= MIN_VIDEO_FRAMES and p.frames_sent.video >= MIN_VIDEO_FRAMES
    ]
    if kind is RoomKind.ONE_TO_ONE:
        return len(both) >= 2
    # Only the presenter's video is relayed in a collective room: from them to someone.
    presenting = any(
        p.role == ParticipantRole.PRESENTER.value and p.frames_received.video >= MIN_VIDEO_FRAMES
        for p in counts.participants.values()
    )
    watching = any(p.frames_sent.video >= MIN_VIDEO_FRAMES for p in counts.participants.values())
    return presenting and watching


@dataclass(frozen=True, slots=True)
class SignallingOptions:
    """The signalling's limits, from the settings."""

    allowed_origins: frozenset[str]
    hello_timeout: float = 10.0
    check_seconds: float = 60.0
    #: How often a video room's relay counts are read until video has flowed both ways.
    video_poll_seconds: float = 2.0


@dataclass(frozen=True, slots=True)
class SignallingDeps:
    """What the sockets need, built by the composition root."""

    uow: RoomUnitOfWork
    queries: RoomQueries
    tickets: Tickets
    ice: IceServers
    policy: RoomPolicy
    clock: Clock
    options: SignallingOptions
    producer: str


@dataclass(eq=False)
class Connection:
    """One participant's signalling socket and what it said about its media."""

    socket: WebSocket
    participant_id: str
    role: ParticipantRole
    name: str
    admitted: bool
    muted: bool = False
    audio_only: bool = False
    media: str = "new"
    negotiated: bool = False
    #: A newer connection of the same participant took over: it speaks for them now.
    replaced: bool = False
    hung_up: bool = False
    closed: bool = False
    _sending: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def staff(self) -> bool:
        """Return whether the participant runs the room (counsellor or presenter)."""
        return self.role in STAFF_ROLES

    async def send(self, frame: Frame) -> None:
        """Send a frame; a socket already gone is no error."""
        if self.closed:
            return
        async with self._sending:
            try:
                await self.socket.send_text(json.dumps(frame))
            except (WebSocketDisconnect, RuntimeError, OSError):
                self.closed = True

    async def error(self, code: str, field: str | None = None) -> None:
        """Send a recoverable error: the socket stays open."""
        frame: Frame = {"type": "error", "code": code}
        if field is not None:
            frame["field"] = field
        await self.send(frame)

    async def close(self, code: int) -> None:
        """Close the socket with a code, once."""
        if self.closed:
            return
        self.closed = True
        async with self._sending:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                await self.socket.close(code)


@dataclass(eq=False)
class LiveRoom:
    """The connections of one room in this process."""

    room_id: UUID
    kind: RoomKind = RoomKind.ONE_TO_ONE
    video: bool = False
    #: Each participant's latest connection, open or closed (the roster shows who left).
    members: dict[str, Connection] = field(default_factory=dict)
    started_at: datetime | None = None
    video_flowed: bool = False
    ended: bool = False
    watcher: asyncio.Task[None] | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def present(self) -> dict[str, ParticipantRole]:
        """Return the participants with an open connection, and their roles."""
        return {pid: c.role for pid, c in self.members.items() if not c.closed}

    def open_connections(self) -> list[Connection]:
        """Return the open connections."""
        return [c for c in self.members.values() if not c.closed]

    def roster(self, *, staff: bool) -> Frame:
        """Return the roster frame; only the counsellor or presenter sees the lobby."""
        participants = [
            {
                "participant_id": c.participant_id,
                "role": c.role.value,
                "name": c.name,
                "connected": not c.closed,
                "admitted": c.admitted,
                "muted": c.muted,
                "audio_only": c.audio_only,
                "media": c.media,
            }
            for c in self.members.values()
            if c.admitted
        ]
        lobby = [
            {"participant_id": c.participant_id, "name": c.name}
            for c in self.members.values()
            if not c.admitted and not c.closed
        ]
        return {
            "type": "roster",
            "participants": participants,
            "lobby": lobby if staff else [],
            "started_at": self.started_at.isoformat() if self.started_at else None,
        }


@dataclass(eq=False)
class CheckConnection:
    """One person's pre-call check socket."""

    connection: Connection
    check_id: UUID


def roster_media(state: str) -> str:
    """Return a relay state as the roster names it ("closed" is no media at all)."""
    return "new" if state == "closed" else state


class SignallingRegistry:
    """The live signalling connections of this process, by room, and the pre-call checks."""

    def __init__(self, deps: SignallingDeps, hub: MediaHub) -> None:
        self._deps = deps
        self._hub = hub
        self._rooms: dict[UUID, LiveRoom] = {}
        self._checks: dict[str, CheckConnection] = {}
        #: Tickets already used, until they expire: a ticket opens one connection.
        self._spent: dict[str, float] = {}

    # -- what other parts of the service call ----------------------------------------------

    def connections(self, room_id: UUID) -> int:
        """Return how many connections a room has open here."""
        live = self._rooms.get(room_id)
        return 0 if live is None else len(live.open_connections())

    async def on_media_state(self, room_id: UUID, participant_id: str, state: MediaState) -> None:
        """Keep what the relay saw: a connected peer joins, a failed or closed one leaves."""
        live = self._rooms.get(room_id)
        connection = live.members.get(participant_id) if live is not None else None
        if live is None or connection is None or live.ended:
            return
        connection.media = roster_media(state)
        if state == "connected" and not connection.closed:
            room = await self._record(
                live, participant_id, MediaChange.JOINED, role=connection.role
            )
            if room is not None:
                live.started_at = room.started_at
            self._watch_video(live)
        elif state in ("failed", "closed"):
            await self._record(live, participant_id, MediaChange.LEFT, reason=LeaveReason.DROPPED)
        await self._broadcast(live)

    async def room_ended(self, room: Room) -> None:
        """Tell everyone in a room ended elsewhere (the empty-room sweep) and close it."""
        live = self._rooms.get(room.room_id)
        if live is not None:
            await self._close_room(live, room.duration_seconds or 0.0)

    async def close(self) -> None:
        """Close every socket (shutdown): the service is going away."""
        for live in list(self._rooms.values()):
            live.ended = True
            self._stop_watching(live)
            for connection in live.open_connections():
                await connection.close(GOING_AWAY)
        self._rooms.clear()
        for check in list(self._checks.values()):
            await check.connection.close(GOING_AWAY)
        self._checks.clear()

    # -- admission ---------------------------------------------------------------------------

    def _origin_allowed(self, socket: WebSocket) -> bool:
        origin = socket.headers.get("origin")
        return origin is not None and origin.rstrip("/") in self._deps.options.allowed_origins

    def _spend(self, ticket_id: str, expires_at: datetime) -> bool:
        """Mark a ticket used; False when it already was."""
        now = self._deps.clock().timestamp()
        for spent, until in list(self._spent.items()):
            if until < now:
                del self._spent[spent]
        if ticket_id in self._spent:
            return False
        self._spent[ticket_id] = expires_at.timestamp()
        return True

    async def _hello(self, socket: WebSocket) -> str | None:
        """Return the ticket of the first frame, or close the socket and return None."""
        try:
            message = await asyncio.wait_for(
                socket.receive(), timeout=self._deps.options.hello_timeout
            )
        except TimeoutError:
            await _close(socket, BAD_TICKET)
            return None
        except (WebSocketDisconnect, RuntimeError):
            return None
        if message["type"] == "websocket.disconnect":
            return None
        text = message.get("text")
        frame: object = None
        if isinstance(text, str) and len(text) <= MAX_FRAME_CHARS:
            with contextlib.suppress(ValueError):
                frame = json.loads(text)
        if not isinstance(frame, dict) or frame.get("type") != "hello":
            await _close(socket, BAD_MESSAGE)
            return None
        ticket = frame.get("ticket")
        if not isinstance(ticket, str) or not ticket:
            await _close(socket, BAD_TICKET)
            return None
        return ticket

    def _meta(self) -> EventMeta:
        return EventMeta(correlation_id=new_correlation_id(), producer=self._deps.producer)

    def _ice(self, participant_id: str) -> list[Frame]:
        servers = self._deps.ice.for_participant(participant_id, self._deps.clock())
        out: list[Frame] = []
        for server in servers:
            entry: Frame = {"urls": list(server.urls)}
            if server.username is not None:
                entry["username"] = server.username
            if server.credential is not None:
                entry["credential"] = server.credential
            out.append(entry)
        return out

    # -- a room's socket ---------------------------------------------------------------------

    async def serve_room(self, socket: WebSocket, room_id_text: str) -> None:
        """Run one participant's signalling socket from hello to close."""
        if not self._origin_allowed(socket):
            # Refused before the handshake completes: another site's page gets nothing.
            await _close(socket, NOT_ALLOWED)
            return
        await socket.accept()
        try:
            room_id = UUID(room_id_text)
        except ValueError:
            await _close(socket, UNKNOWN_ROOM)
            return
        token = await self._hello(socket)
        if token is None:
            return
        try:
            ticket = self._deps.tickets.verify_room(token, self._deps.clock())
        except TicketError as exc:
            log.info("room ticket refused", reason=exc.reason)
            await _close(socket, BAD_TICKET)
            return
        if not self._spend(ticket.ticket_id, ticket.expires_at):
            log.info("room ticket refused", reason="used")
            await _close(socket, BAD_TICKET)
            return
        if ticket.room_id != room_id:
            await _close(socket, NOT_ALLOWED)
            return
        live = self._rooms.setdefault(room_id, LiveRoom(room_id))
        async with live.lock:
            try:
                entry = await enter_room(
                    self._deps.queries,
                    self._deps.policy,
                    ticket,
                    live.present(),
                    now=self._deps.clock(),
                )
            except (NotFoundError, ConflictError, ForbiddenError) as exc:
                code = (
                    UNKNOWN_ROOM
                    if isinstance(exc, NotFoundError)
                    else NOT_OPEN
                    if isinstance(exc, ConflictError)
                    else NOT_ALLOWED
                )
                log.info("room entry refused", room_id=str(room_id), code=code)
                self._forget_if_empty(live)
                await _close(socket, code)
                return
            if live.ended:
                await _close(socket, NOT_OPEN)
                return
            live.kind = entry.room.kind
            live.video = entry.room.is_video
            live.started_at = entry.room.started_at
            live.video_flowed = live.video_flowed or entry.room.video_flowed
            connection = Connection(
                socket, ticket.participant_id, ticket.role, ticket.name, entry.admitted
            )
            older = live.members.get(ticket.participant_id)
            live.members[ticket.participant_id] = connection
        if older is not None and not older.closed:
            older.replaced = True
            await older.send({"type": "replaced"})
            await older.close(REPLACED)
            log.info("signalling connection replaced", room_id=str(room_id))
        page = RoomPage(entry.room, ticket.role, joinable=True)
        await connection.send(
            {
                "type": "welcome",
                "participant_id": connection.participant_id,
                "role": connection.role.value,
                "name": connection.name,
                "admitted": connection.admitted,
                "ice_servers": self._ice(connection.participant_id),
                "room": RoomOut.of(page).model_dump(mode="json"),
            }
        )
        if not connection.admitted:
            await connection.send({"type": "waiting"})
        log.info(
            "signalling connected",
            room_id=str(room_id),
            role=connection.role.value,
            admitted=connection.admitted,
        )
        await self._broadcast(live)
        try:
            await self._listen(live, connection)
        finally:
            await self._gone(live, connection)

    async def _listen(self, live: LiveRoom, connection: Connection) -> None:
        """Handle frames until the socket closes or the participant leaves."""
        handlers: dict[str, Callable[[LiveRoom, Connection, Frame], Awaitable[bool]]] = {
            "ping": self._ping,
            "hello": self._hello_again,
            "admit": self._admit,
            "offer": self._offer,
            "candidate": self._candidate,
            "state": self._state,
            "hangup": self._hangup,
            "end": self._end,
        }
        while not connection.closed:
            try:
                message = await connection.socket.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if message["type"] == "websocket.disconnect":
                return
            frame = await _frame(connection, message)
            if frame is None:
                continue
            handler = handlers.get(frame["type"])
            if handler is None:
                await connection.error("unknown_type", "type")
                continue
            if not await handler(live, connection, frame):
                return

    async def _gone(self, live: LiveRoom, connection: Connection) -> None:
        """Clean up after a socket that closed: its media leaves unless someone took over."""
        was_open = not connection.closed
        connection.closed = True
        if was_open:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                await connection.socket.close(NORMAL)
        if connection.replaced or live.ended:
            return
        current = live.members.get(connection.participant_id) is connection
        if not connection.hung_up and connection.admitted and current:
            await self._sample_video(live)
            await self._hub.leave(live.room_id, connection.participant_id)
            await self._record(
                live, connection.participant_id, MediaChange.LEFT, reason=LeaveReason.DROPPED
            )
            log.info("signalling dropped", room_id=str(live.room_id))
        await self._broadcast(live)
        self._forget_if_empty(live)

    def _forget_if_empty(self, live: LiveRoom) -> None:
        if not live.open_connections() and self._rooms.get(live.room_id) is live:
            self._stop_watching(live)
            del self._rooms[live.room_id]

    async def _broadcast(self, live: LiveRoom) -> None:
        """Send the roster to everyone connected (the lobby only to the staff)."""
        if live.ended:
            return
        for connection in live.open_connections():
            await connection.send(live.roster(staff=connection.staff))

    async def _record(
        self,
        live: LiveRoom,
        participant_id: str,
        change: MediaChange,
        *,
        role: ParticipantRole | None = None,
        reason: LeaveReason = LeaveReason.DROPPED,
    ) -> Room | None:
        """Keep a media change with the room; a storage failure is logged, the call goes on."""
        try:
            return await record_media_state(
                self._deps.uow,
                live.room_id,
                participant_id,
                change,
                now=self._deps.clock(),
                meta=self._meta(),
                role=role,
                reason=reason,
            )
        except Exception:
            log.exception("media change not recorded", change=change.value)
            return None

    # -- video -------------------------------------------------------------------------------

    def _watch_video(self, live: LiveRoom) -> None:
        """Read the relay's counts until video has flowed both ways, in a video room."""
        if live.video and not live.video_flowed and live.watcher is None and not live.ended:
            live.watcher = asyncio.create_task(self._video_watch(live))

    def _stop_watching(self, live: LiveRoom) -> None:
        if live.watcher is not None:
            live.watcher.cancel()
            live.watcher = None

    async def _video_watch(self, live: LiveRoom) -> None:
        while not live.video_flowed and not live.ended:
            await asyncio.sleep(self._deps.options.video_poll_seconds)
            await self._sample_video(live)

    async def _sample_video(self, live: LiveRoom) -> None:
        """Note once with the room that video flowed both ways (the modality used)."""
        if not live.video or live.video_flowed:
            return
        if video_flowed(live.kind, self._hub.stats(live.room_id)):
            live.video_flowed = True
            await self._record(live, "", MediaChange.VIDEO_FLOWED)

    # -- frames ------------------------------------------------------------------------------

    async def _ping(self, live: LiveRoom, connection: Connection, frame: Frame) -> bool:
        await connection.send({"type": "pong"})
        return True

    async def _hello_again(self, live: LiveRoom, connection: Connection, frame: Frame) -> bool:
        await connection.error("already_greeted", "type")
        return True

    async def _admit(self, live: LiveRoom, connection: Connection, frame: Frame) -> bool:
        if not connection.staff:
            await connection.error("not_allowed", "type")
            return True
        participant_id = frame.get("participant_id")
        if not isinstance(participant_id, str) or not participant_id:
            await connection.error("malformed_message", "participant_id")
            return True
        try:
            await admit_participant(
                self._deps.uow,
                live.room_id,
                admitted_by=connection.role,
                participant_id=participant_id,
            )
        except (ForbiddenError, NotFoundError):
            await connection.error("not_a_participant", "participant_id")
            return True
        waiting = live.members.get(participant_id)
        if waiting is not None and not waiting.admitted:
            waiting.admitted = True
            await waiting.send({"type": "admitted"})
        await self._broadcast(live)
        return True

    async def _offer(self, live: LiveRoom, connection: Connection, frame: Frame) -> bool:
        if not connection.admitted:
            await connection.error("not_admitted", "type")
            return True
        if connection.negotiated:
            await connection.error("already_negotiated", "type")
            return True
        sdp = frame.get("sdp")
        if not isinstance(sdp, str):
            await connection.error("malformed_sdp", "sdp")
            return True
        try:
            answer = await self._hub.answer(
                live.room_id,
                connection.participant_id,
                MEDIA_ROLES[connection.role],
                MEDIA_KINDS[live.kind],
                sdp,
                audio_only=connection.audio_only or not live.video,
            )
        except MalformedSdpError:
            await connection.error("malformed_sdp", "sdp")
            return True
        connection.negotiated = True
        connection.media = "connecting"
        if connection.muted:
            # A state sent before the offer found no peer to apply to: it applies now.
            self._hub.set_state(
                live.room_id,
                connection.participant_id,
                muted=True,
                audio_only=connection.audio_only or not live.video,
            )
        await connection.send({"type": "answer", "sdp": answer})
        await self._broadcast(live)
        return True

    async def _candidate(self, live: LiveRoom, connection: Connection, frame: Frame) -> bool:
        if not connection.negotiated:
            await connection.error("no_offer", "type")
            return True
        candidate = frame.get("candidate")
        mid = frame.get("sdpMid")
        index = frame.get("sdpMLineIndex")
        if not isinstance(candidate, str):
            await connection.error("malformed_candidate", "candidate")
            return True
        if mid is not None and not isinstance(mid, str):
            await connection.error("malformed_candidate", "sdpMid")
            return True
        if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
            await connection.error("malformed_candidate", "sdpMLineIndex")
            return True
        try:
            await self._hub.add_candidate(
                live.room_id, connection.participant_id, candidate, mid, index
            )
        except MalformedSdpError:
            await connection.error("malformed_candidate", "candidate")
        return True

    async def _state(self, live: LiveRoom, connection: Connection, frame: Frame) -> bool:
        muted = frame.get("muted", connection.muted)
        audio_only = frame.get("audio_only", connection.audio_only)
        if not isinstance(muted, bool):
            await connection.error("malformed_message", "muted")
            return True
        if not isinstance(audio_only, bool):
            await connection.error("malformed_message", "audio_only")
            return True
        dropped_video = audio_only and not connection.audio_only and live.video
        connection.muted = muted
        connection.audio_only = audio_only
        self._hub.set_state(
            live.room_id, connection.participant_id, muted=muted, audio_only=audio_only
        )
        if dropped_video:
            await self._record(live, connection.participant_id, MediaChange.AUDIO_ONLY)
        await self._broadcast(live)
        return True

    async def _hangup(self, live: LiveRoom, connection: Connection, frame: Frame) -> bool:
        connection.hung_up = True
        await self._sample_video(live)
        await self._hub.leave(live.room_id, connection.participant_id)
        await self._record(
            live, connection.participant_id, MediaChange.LEFT, reason=LeaveReason.HUNG_UP
        )
        log.info("signalling hung up", room_id=str(live.room_id))
        await connection.close(NORMAL)
        return False

    async def _end(self, live: LiveRoom, connection: Connection, frame: Frame) -> bool:
        if not connection.staff:
            await connection.error("not_allowed", "type")
            return True
        await self._sample_video(live)
        try:
            room = await end_session(
                self._deps.uow,
                live.room_id,
                ended_by=connection.role,
                now=self._deps.clock(),
                meta=self._meta(),
            )
            duration = room.duration_seconds or 0.0
        except (ConflictError, NotFoundError):
            # Ended meanwhile (the sweep) or gone: everyone is told it is over all the same.
            stored = await self._deps.queries.room(live.room_id)
            duration = (stored.duration_seconds if stored else None) or 0.0
        await self._close_room(live, duration)
        return False

    async def _close_room(self, live: LiveRoom, duration: float) -> None:
        """Tell everyone the session ended, close their sockets and the room's media."""
        live.ended = True
        self._stop_watching(live)
        if self._rooms.get(live.room_id) is live:
            del self._rooms[live.room_id]
        await self._hub.close_room(live.room_id)
        for member in live.open_connections():
            await member.send({"type": "ended", "duration_seconds": duration})
            await member.close(NORMAL)

    # -- the pre-call check ------------------------------------------------------------------

    async def serve_check(self, socket: WebSocket) -> None:
        """Run one pre-call check: the relay sends the browser's own media back for 60 s."""
        if not self._origin_allowed(socket):
            await _close(socket, NOT_ALLOWED)
            return
        await socket.accept()
        token = await self._hello(socket)
        if token is None:
            return
        try:
            ticket = self._deps.tickets.verify_check(token, self._deps.clock())
        except TicketError as exc:
            log.info("check ticket refused", reason=exc.reason)
            await _close(socket, BAD_TICKET)
            return
        if not self._spend(ticket.ticket_id, ticket.expires_at):
            await _close(socket, BAD_TICKET)
            return
        connection = Connection(
            socket, ticket.participant_id, ParticipantRole.BENEFICIARY, "", admitted=True
        )
        check = CheckConnection(connection, uuid4())
        # One check per person at a time: the newest one wins, as in rooms.
        older = self._checks.get(ticket.participant_id)
        self._checks[ticket.participant_id] = check
        if older is not None:
            older.connection.replaced = True
            await older.connection.send({"type": "replaced"})
            await older.connection.close(REPLACED)
        await connection.send({"type": "welcome", "ice_servers": self._ice(ticket.participant_id)})
        try:
            await self._run_check(check)
        finally:
            if self._checks.get(ticket.participant_id) is check:
                del self._checks[ticket.participant_id]
            await connection.close(NORMAL)

    async def _run_check(self, check: CheckConnection) -> None:
        connection = check.connection
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._deps.options.check_seconds
        while not connection.closed:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            try:
                message = await asyncio.wait_for(connection.socket.receive(), timeout=remaining)
            except TimeoutError:
                log.info("check over")
                return
            except (WebSocketDisconnect, RuntimeError):
                return
            if message["type"] == "websocket.disconnect":
                return
            frame = await _frame(connection, message)
            if frame is None:
                continue
            kind = frame["type"]
            if kind == "ping":
                await connection.send({"type": "pong"})
            elif kind == "hangup":
                return
            elif kind == "candidate":
                # The relay answers a check from the offer's own candidates: trickle is moot.
                continue
            elif kind == "offer":
                await self._check_offer(check, frame)
            elif kind == "hello":
                await connection.error("already_greeted", "type")
            else:
                await connection.error("unknown_type", "type")

    async def _check_offer(self, check: CheckConnection, frame: Frame) -> None:
        connection = check.connection
        if connection.negotiated:
            await connection.error("already_negotiated", "type")
            return
        sdp = frame.get("sdp")
        if not isinstance(sdp, str):
            await connection.error("malformed_sdp", "sdp")
            return
        try:
            answer = await self._hub.echo(check.check_id, sdp)
        except MalformedSdpError:
            await connection.error("malformed_sdp", "sdp")
            return
        connection.negotiated = True
        await connection.send({"type": "answer", "sdp": answer})


async def _frame(connection: Connection, message: Mapping[str, Any]) -> Frame | None:
    """Return a frame as a JSON object with a type, or send the error and return None."""
    text = message.get("text")
    if not isinstance(text, str):
        await connection.error("malformed_message")
        return None
    if len(text) > MAX_FRAME_CHARS:
        await connection.error("too_large")
        return None
    try:
        frame = json.loads(text)
    except ValueError:
        await connection.error("malformed_json")
        return None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        await connection.error("malformed_message", "type")
        return None
    return frame


async def _close(socket: WebSocket, code: int) -> None:
    """Close a socket that never became a connection."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        await socket.close(code)


def signalling_router(registry: SignallingRegistry) -> APIRouter:
    """Return the two WebSocket routes bound to the registry."""
    router = APIRouter()

    @router.websocket(ROOM_SIGNAL_PATH)
    async def room_signal(websocket: WebSocket, room_id: str) -> None:
        await registry.serve_room(websocket, room_id)

    @router.websocket(CHECK_SIGNAL_PATH)
    async def check_signal(websocket: WebSocket) -> None:
        await registry.serve_check(websocket)

    return router

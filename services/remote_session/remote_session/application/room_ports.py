"""What the rooms' use cases and the signalling need: storage, tickets, names, ICE, media."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, TypeVar
from uuid import UUID

from jalon_shared.events.envelope import Event
from jalon_shared.events.vocabulary import ParticipantRole
from remote_session.domain.calls import Call
from remote_session.domain.rooms import Room

T = TypeVar("T")

#: The roles and kinds as the media hub names them (the contract's literals).
MediaRole = Literal["counsellor", "beneficiary", "presenter", "attendee"]
MediaKind = Literal["one_to_one", "collective"]
MediaState = Literal["new", "connecting", "connected", "failed", "closed"]


class RoomTransaction(Protocol):
    """Reads and writes of rooms and calls inside one MongoDB transaction."""

    async def room(self, room_id: UUID) -> Room | None: ...
    async def save_room(self, room: Room) -> None: ...
    async def add_call(self, call: Call) -> None: ...
    async def beneficiary_erased(self, beneficiary_id: UUID) -> bool:
        """Return whether the directory copy holds an erasure marker for the person."""

    def publish(self, *events: Event) -> None: ...


class RoomUnitOfWork(Protocol):
    """Runs work in one transaction, with its events, all or nothing."""

    async def run(self, work: Callable[[RoomTransaction], Awaitable[T]]) -> T: ...


class RoomQueries(Protocol):
    """Reads outside a transaction."""

    async def room(self, room_id: UUID) -> Room | None: ...
    async def empty_rooms(self, left_before: datetime) -> list[Room]:
        """Return live rooms nobody is connected to since before a time."""

    async def calls_of(self, case_id: UUID) -> list[Call]:
        """Return a case's logged calls, newest first."""


class TicketError(Exception):
    """A ticket that is not ours, altered, expired, used, or for something else."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid ticket: {reason}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class IssuedTicket:
    """A signed ticket and when it expires."""

    token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class RoomTicket:
    """What a verified room ticket says: who joins which room, as whom."""

    room_id: UUID
    participant_id: str
    role: ParticipantRole
    name: str
    expires_at: datetime
    ticket_id: str


@dataclass(frozen=True, slots=True)
class CheckTicket:
    """What a verified pre-call check ticket says: who checks."""

    participant_id: str
    expires_at: datetime
    ticket_id: str


class Tickets(Protocol):
    """Signs and verifies the short tickets the signalling sockets take."""

    def room(
        self, room_id: UUID, participant_id: str, role: ParticipantRole, name: str, now: datetime
    ) -> IssuedTicket: ...
    def check(self, participant_id: str, now: datetime) -> IssuedTicket: ...
    def verify_room(self, token: str, now: datetime) -> RoomTicket:
        """Return the ticket's claims, or raise TicketError."""

    def verify_check(self, token: str, now: datetime) -> CheckTicket:
        """Return the ticket's claims, or raise TicketError."""


class Names(Protocol):
    """The display names a lobby shows: never more than a first name and an initial."""

    async def beneficiary(self, beneficiary_id: UUID) -> str | None:
        """Return "First L." from intake, or None when it holds nobody."""

    async def staff(self, staff_id: str) -> str | None:
        """Return the staff member's display name from the directory copy."""


@dataclass(frozen=True, slots=True)
class IceServerInfo:
    """One ICE server as the browser's RTCPeerConnection takes it."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None


class IceServers(Protocol):
    """The STUN and TURN servers a participant is given, with time-limited TURN credentials."""

    def for_participant(self, participant_id: str, now: datetime) -> list[IceServerInfo]: ...


class KindCounts(Protocol):
    """A count per media kind, as the relay's stats give it."""

    @property
    def video(self) -> int: ...


class ParticipantCounts(Protocol):
    """What the relay received from and sent to one participant."""

    @property
    def role(self) -> str: ...
    @property
    def frames_received(self) -> KindCounts: ...
    @property
    def frames_sent(self) -> KindCounts: ...


class RoomCounts(Protocol):
    """The relay's counts for one room, per participant."""

    @property
    def participants(self) -> Mapping[str, ParticipantCounts]: ...


class MediaHub(Protocol):
    """The media relay (adapters.media.MediaHub): one server-side peer per participant."""

    async def answer(
        self,
        room_id: UUID,
        participant_id: str,
        role: MediaRole,
        kind: MediaKind,
        offer_sdp: str,
        *,
        audio_only: bool,
    ) -> str:
        """Return the answer to a participant's offer; raises the hub's MalformedSdpError."""

    async def add_candidate(
        self,
        room_id: UUID,
        participant_id: str,
        candidate: str,
        sdp_mid: str | None,
        sdp_mline_index: int | None,
    ) -> None: ...
    def set_state(
        self, room_id: UUID, participant_id: str, *, muted: bool, audio_only: bool
    ) -> None: ...
    async def leave(self, room_id: UUID, participant_id: str) -> None: ...
    async def close_room(self, room_id: UUID) -> None: ...
    async def close(self) -> None: ...
    async def echo(self, check_id: UUID, offer_sdp: str) -> str: ...
    def stats(self, room_id: UUID) -> RoomCounts:
        """Return per participant the frames received from and sent to them."""

"""What the web front reads from the remote-session service's rooms API, typed."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from jalon_shared.events.vocabulary import Modality, ParticipantRole, RoomKind
from web.application.views import View

#: A room opens this long before its start (the rooms service's default setting).
OPENS_BEFORE = timedelta(minutes=15)
#: A one-to-one room closes this long after its end; a collective one this long after its start.
CLOSES_AFTER_END = timedelta(minutes=60)
COLLECTIVE_CLOSES_AFTER_START = timedelta(hours=3)
#: The modalities that meet in a room.
ROOM_MODALITIES = frozenset({Modality.VIDEO, Modality.PHONE})


class RoomStatus(StrEnum):
    """Where a room stands."""

    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"


class Room(View):
    """A room for an appointment or a collective session, as the caller may see it."""

    room_id: UUID
    kind: RoomKind
    modality: Modality
    appointment_id: UUID | None = None
    collective_session_id: UUID | None = None
    case_id: UUID | None = None
    starts_at: datetime
    ends_at: datetime | None = None
    opens_at: datetime
    closes_at: datetime
    status: RoomStatus
    joinable: bool
    your_role: ParticipantRole
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration_seconds: float | None = None

    @property
    def is_video(self) -> bool:
        """Return whether the room carries video (else audio only: a phone room)."""
        return self.modality is Modality.VIDEO

    @property
    def hosted_by_caller(self) -> bool:
        """Return whether the caller lets people in and may end the session for all."""
        return self.your_role in (ParticipantRole.COUNSELLOR, ParticipantRole.PRESENTER)


class Ticket(View):
    """A short-lived ticket to one room's signalling socket."""

    ticket: str
    expires_at: datetime
    signalling_path: str
    room: Room


class CheckTicket(View):
    """A short-lived ticket to the pre-call check's echo socket."""

    ticket: str
    expires_at: datetime
    signalling_path: str

"""The rooms' and calls' HTTP schemas: strict request bodies, and the views answered."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

from jalon_shared.events.vocabulary import CallOutcome, ParticipantRole, RoomKind
from remote_session.application.room_ports import IssuedTicket
from remote_session.application.show_room import RoomPage
from remote_session.domain.calls import Call
from remote_session.domain.rooms import RoomStatus

ROOM_SIGNAL_PATH = "/rooms/{room_id}/signal"
CHECK_SIGNAL_PATH = "/checks/signal"


def _time_text(value: object) -> object:
    """Refuse a number where a time is due: lax parsing would read it as seconds since 1970."""
    if not isinstance(value, str | datetime):
        raise PydanticCustomError("datetime_type", "Input should be a date and time as ISO 8601")
    return value


Moment = Annotated[AwareDatetime, BeforeValidator(_time_text)]


class CallForm(BaseModel):
    """A phone call placed outside the system, to log."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    started_at: Moment
    ended_at: Moment
    outcome: CallOutcome
    appointment_id: UUID | None = None


class RoomOut(BaseModel):
    """A room as one of its participants sees it."""

    room_id: UUID
    kind: RoomKind
    modality: Literal["video", "phone"]
    appointment_id: UUID | None
    collective_session_id: UUID | None
    case_id: UUID | None
    starts_at: datetime
    ends_at: datetime
    opens_at: datetime
    closes_at: datetime
    status: RoomStatus
    joinable: bool
    your_role: ParticipantRole
    started_at: datetime | None
    ended_at: datetime | None
    duration_seconds: float | None

    @classmethod
    def of(cls, page: RoomPage) -> RoomOut:
        """Return the view of a room for one participant."""
        room = page.room
        return cls(
            room_id=room.room_id,
            kind=room.kind,
            modality="video" if room.is_video else "phone",
            appointment_id=room.appointment_id,
            collective_session_id=room.collective_session_id,
            case_id=room.case_id,
            starts_at=room.starts_at,
            ends_at=room.ends_at,
            opens_at=room.opens_at,
            closes_at=room.closes_at,
            status=room.status,
            joinable=page.joinable,
            your_role=page.role,
            started_at=room.started_at,
            ended_at=room.ended_at,
            duration_seconds=room.duration_seconds,
        )


class TicketOut(BaseModel):
    """A ticket for a room's signalling socket, valid two minutes, and the room."""

    ticket: str
    expires_at: datetime
    signalling_path: str
    room: RoomOut

    @classmethod
    def of(cls, ticket: IssuedTicket, page: RoomPage) -> TicketOut:
        """Return the view of a room ticket."""
        return cls(
            ticket=ticket.token,
            expires_at=ticket.expires_at,
            signalling_path=ROOM_SIGNAL_PATH.format(room_id=page.room.room_id),
            room=RoomOut.of(page),
        )


class CheckTicketOut(BaseModel):
    """A ticket for the pre-call check's signalling socket, valid two minutes."""

    ticket: str
    expires_at: datetime
    signalling_path: str

    @classmethod
    def of(cls, ticket: IssuedTicket) -> CheckTicketOut:
        """Return the view of a check ticket."""
        return cls(
            ticket=ticket.token, expires_at=ticket.expires_at, signalling_path=CHECK_SIGNAL_PATH
        )


class CallOut(BaseModel):
    """A logged call."""

    call_id: UUID
    case_id: UUID
    appointment_id: UUID | None
    counsellor_id: str
    started_at: datetime
    ended_at: datetime
    duration_seconds: float
    outcome: CallOutcome
    logged_at: datetime

    @classmethod
    def of(cls, call: Call) -> CallOut:
        """Return the view of a logged call."""
        return cls(
            call_id=call.call_id,
            case_id=call.case_id,
            appointment_id=call.appointment_id,
            counsellor_id=call.counsellor_id,
            started_at=call.started_at,
            ended_at=call.ended_at,
            duration_seconds=call.duration_seconds,
            outcome=call.outcome,
            logged_at=call.logged_at,
        )

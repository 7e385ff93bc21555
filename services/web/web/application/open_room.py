"""What opening a call page finds: the room, where it stands, and a ticket when it is open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from web.application.errors import ApiError
from web.application.room_ports import RoomsApi
from web.application.room_views import Room, RoomStatus, Ticket
from web.domain.sessions import Session


class RoomState(StrEnum):
    """Where a room stands for the person opening it."""

    OPEN = "open"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    ENDED = "ended"
    CANCELLED = "cancelled"


def room_state(room: Room, now: datetime) -> RoomState:
    """Return where the room stands now."""
    if room.status is RoomStatus.CANCELLED:
        return RoomState.CANCELLED
    if room.status is RoomStatus.ENDED:
        return RoomState.ENDED
    if room.joinable:
        return RoomState.OPEN
    return RoomState.NOT_YET_OPEN if now < room.opens_at else RoomState.CLOSED


@dataclass(frozen=True, slots=True)
class CallStart:
    """A room and, when it is open, a fresh ticket to its signalling socket."""

    room: Room
    ticket: Ticket | None
    state: RoomState


async def start_call(session: Session, room: Room, *, rooms: RoomsApi, now: datetime) -> CallStart:
    """Return the room with a ticket if it is open (raises ApiError when the caller may not)."""
    if room_state(room, now) is not RoomState.OPEN:
        return CallStart(room, None, room_state(room, now))
    try:
        ticket = await rooms.ticket(session.token, room.room_id)
    except ApiError as exc:
        if exc.status != 409:
            raise
        # It closed, or is not open yet by the service's clock: read where it stands now.
        room = await rooms.room(session.token, room.room_id)
        state = room_state(room, now)
        return CallStart(room, None, RoomState.CLOSED if state is RoomState.OPEN else state)
    return CallStart(ticket.room, ticket, RoomState.OPEN)

"""Use case: a ticket holder enters a room's signalling: open now, and a place left for them.

A one-to-one room never takes a third person, a collective room no one past its capacity; a
beneficiary or attendee admitted once skips the lobby on every later connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from jalon_shared.events.vocabulary import ParticipantRole
from remote_session.application.errors import ConflictError, ForbiddenError, NotFoundError
from remote_session.application.room_ports import RoomQueries, RoomTicket
from remote_session.domain.rooms import (
    GUEST_ROLES,
    Room,
    RoomError,
    RoomNotOpenError,
    RoomPolicy,
)


@dataclass(frozen=True, slots=True)
class Entry:
    """The room entered, and whether its new participant goes straight in."""

    room: Room
    admitted: bool


async def enter_room(
    queries: RoomQueries,
    policy: RoomPolicy,
    ticket: RoomTicket,
    present: Mapping[str, ParticipantRole],
    *,
    now: datetime,
) -> Entry:
    """Return the room the ticket is for if its holder may enter it now."""
    room = await queries.room(ticket.room_id)
    if room is None or not room.is_remote:
        raise NotFoundError("no such room")
    try:
        room.check_open(now)
    except RoomNotOpenError as exc:
        raise ConflictError(exc.reason, str(exc), field="room_id") from exc
    # A registration cancelled since the ticket was issued takes the place away.
    if ticket.role in GUEST_ROLES and (
        room.role_of(ticket.participant_id, staff=False, region=None) is not ticket.role
    ):
        raise ForbiddenError("no place in this room", reason="not_a_participant")
    try:
        room.check_entry(ticket.participant_id, ticket.role, present, policy.capacity)
    except RoomError as exc:
        raise ForbiddenError(str(exc), reason=exc.reason) from exc
    return Entry(room, room.is_admitted(ticket.participant_id, ticket.role))

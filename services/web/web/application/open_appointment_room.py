"""Use case: open the room of a phone or video appointment, as its beneficiary or counsellor."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from web.application.open_room import CallStart, start_call
from web.application.room_ports import RoomsApi, rooms_reachable
from web.domain.sessions import Session


async def open_appointment_room(
    session: Session, appointment_id: UUID, *, rooms: RoomsApi | None, now: datetime
) -> CallStart:
    """Return the appointment's room and a ticket; raises ApiError (404: not the caller's)."""
    api = rooms_reachable(rooms)
    # The service decides from the caller's own token whose room it is: the page never says.
    room = await api.room_for_appointment(session.token, appointment_id)
    return await start_call(session, room, rooms=api, now=now)

"""Use case: open the room of a remote information meeting, for a registrant or staff."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from web.application.open_room import CallStart, start_call
from web.application.room_ports import RoomsApi, rooms_reachable
from web.domain.sessions import Session


async def open_collective_room(
    session: Session, session_id: UUID, *, rooms: RoomsApi | None, now: datetime
) -> CallStart:
    """Return the meeting's room and a ticket; raises ApiError (404: none the caller may join)."""
    api = rooms_reachable(rooms)
    room = await api.room_for_collective_session(session.token, session_id)
    return await start_call(session, room, rooms=api, now=now)

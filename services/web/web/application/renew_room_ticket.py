"""Use case: a new ticket for the room a call page holds a pass for (to join or reconnect)."""

from __future__ import annotations

from datetime import datetime

from web.application.call_passes import CallPass, InvalidPassError, PassKind, session_of_pass
from web.application.open_action_link import TokenMinter
from web.application.open_room import CallStart, start_call
from web.application.ports import Revocations
from web.application.room_ports import RoomsApi, rooms_reachable


async def renew_room_ticket(
    call_pass: CallPass,
    *,
    rooms: RoomsApi | None,
    issuer: TokenMinter,
    revocations: Revocations,
    now: datetime,
) -> CallStart:
    """Return the pass's room with a fresh ticket when open; raises InvalidPassError, ApiError."""
    if call_pass.target is None or call_pass.kind is PassKind.CHECK:
        raise InvalidPassError
    api = rooms_reachable(rooms)
    session = await session_of_pass(call_pass, issuer=issuer, revocations=revocations)
    # The room is found again from the pass's appointment or meeting, as the service allows it
    # now: a registration cancelled since the page opened is refused here.
    if call_pass.kind is PassKind.APPOINTMENT:
        room = await api.room_for_appointment(session.token, call_pass.target)
    else:
        room = await api.room_for_collective_session(session.token, call_pass.target)
    return await start_call(session, room, rooms=api, now=now)

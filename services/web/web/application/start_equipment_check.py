"""Use case: a ticket for the pre-call check, whose server sends the person's media back."""

from __future__ import annotations

from web.application.call_passes import CallPass, InvalidPassError, PassKind, session_of_pass
from web.application.open_action_link import TokenMinter
from web.application.ports import Revocations
from web.application.room_ports import RoomsApi, rooms_reachable
from web.application.room_views import CheckTicket


async def start_equipment_check(
    call_pass: CallPass,
    *,
    rooms: RoomsApi | None,
    issuer: TokenMinter,
    revocations: Revocations,
) -> CheckTicket:
    """Return a check ticket for the pass's person; raises InvalidPassError, ApiError."""
    if call_pass.kind is not PassKind.CHECK:
        raise InvalidPassError
    api = rooms_reachable(rooms)
    session = await session_of_pass(call_pass, issuer=issuer, revocations=revocations)
    return await api.check_ticket(session.token)

"""What the call pages need from the remote-session service, and how a call page is passed on."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from web.application.errors import ApiError
from web.application.room_views import CheckTicket, Room, Ticket


class RoomsApi(Protocol):
    """Rooms over the remote-session service's API, with the caller's token.

    Raises ApiError: 404 when there is no room the caller may see, 403 `not_a_participant`,
    409 `room_not_open` (the reason in the first error's type).
    """

    async def room_for_appointment(self, token: str, appointment_id: UUID) -> Room: ...
    async def room_for_collective_session(self, token: str, session_id: UUID) -> Room: ...
    async def room(self, token: str, room_id: UUID) -> Room: ...
    async def ticket(self, token: str, room_id: UUID) -> Ticket: ...
    async def check_ticket(self, token: str) -> CheckTicket: ...


def rooms_reachable(api: RoomsApi | None) -> RoomsApi:
    """Return the API, or refuse as unavailable when the front was built without it."""
    if api is None:
        raise ApiError(503, "remote sessions unavailable")
    return api

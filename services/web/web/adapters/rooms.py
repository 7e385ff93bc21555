"""The remote-session service's rooms and pre-call check over HTTP, with the caller's token."""

from __future__ import annotations

from uuid import UUID

from web.adapters.services import ServiceClient
from web.application.room_views import CheckTicket, Room, Ticket


class HttpRoomsApi:
    """RoomsApi over HTTP."""

    def __init__(self, client: ServiceClient) -> None:
        self._api = client

    async def room_for_appointment(self, token: str, appointment_id: UUID) -> Room:
        """Return the room of a phone or video appointment (404: none the caller may see)."""
        data = await self._api.call("GET", f"/rooms/by-appointment/{appointment_id}", token)
        return self._api.parse(Room, data)

    async def room_for_collective_session(self, token: str, session_id: UUID) -> Room:
        """Return the room of a remote collective session."""
        data = await self._api.call("GET", f"/rooms/by-collective-session/{session_id}", token)
        return self._api.parse(Room, data)

    async def room(self, token: str, room_id: UUID) -> Room:
        """Return one room."""
        return self._api.parse(Room, await self._api.call("GET", f"/rooms/{room_id}", token))

    async def ticket(self, token: str, room_id: UUID) -> Ticket:
        """Return a fresh ticket to the room's signalling socket (409 when it is not open)."""
        data = await self._api.call("POST", f"/rooms/{room_id}/tickets", token)
        return self._api.parse(Ticket, data)

    async def check_ticket(self, token: str) -> CheckTicket:
        """Return a fresh ticket to the pre-call check's echo socket."""
        data = await self._api.call("POST", "/checks/tickets", token)
        return self._api.parse(CheckTicket, data)

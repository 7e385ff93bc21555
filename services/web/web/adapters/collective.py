"""Collective sessions over the appointment service's HTTP API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter

from jalon_shared.events.vocabulary import Modality
from web.adapters.services import ServiceClient
from web.application.collective_views import CollectiveSession, Enrolment

_SESSIONS = TypeAdapter(list[CollectiveSession])
BASE = "/collective-sessions"


class HttpCollectiveApi:
    """CollectiveApi over HTTP."""

    def __init__(self, client: ServiceClient) -> None:
        self._api = client

    async def _session(
        self, method: str, path: str, token: str, body: Any = None
    ) -> CollectiveSession:
        data = await self._api.call(method, path, token, json=body)
        return self._api.parse(CollectiveSession, data)

    async def _enrolment(self, method: str, path: str, token: str, body: Any = None) -> Enrolment:
        return self._api.parse(Enrolment, await self._api.call(method, path, token, json=body))

    async def sessions(self, token: str) -> list[CollectiveSession]:
        """Return the sessions the caller may see."""
        return self._api.parse_list(_SESSIONS, await self._api.call("GET", BASE, token))

    async def session(self, token: str, session_id: UUID) -> CollectiveSession:
        """Return one session (with its registrations for staff)."""
        return await self._session("GET", f"{BASE}/{session_id}", token)

    async def create(self, token: str, body: Mapping[str, Any]) -> CollectiveSession:
        """Plan a session in the manager's region."""
        return await self._session("POST", BASE, token, dict(body))

    async def register(self, token: str, session_id: UUID) -> Enrolment:
        """Register the signed-in beneficiary."""
        return await self._enrolment("POST", f"{BASE}/{session_id}/registration", token)

    async def unregister(self, token: str, session_id: UUID) -> Enrolment:
        """Cancel the signed-in beneficiary's registration."""
        return await self._enrolment("DELETE", f"{BASE}/{session_id}/registration", token)

    async def mark_attendance(
        self, token: str, session_id: UUID, registration_id: UUID, *, attended: bool
    ) -> Enrolment:
        """Record whether a registered person came."""
        body = {"registration_id": str(registration_id), "attended": attended}
        return await self._enrolment("POST", f"{BASE}/{session_id}/attendance", token, body)

    async def requalify(
        self, token: str, session_id: UUID, modality: Modality
    ) -> CollectiveSession:
        """Move the session to phone or video."""
        body = {"modality": modality.value}
        return await self._session("POST", f"{BASE}/{session_id}/requalify", token, body)

    async def cancel(self, token: str, session_id: UUID) -> CollectiveSession:
        """Cancel the session."""
        return await self._session("POST", f"{BASE}/{session_id}/cancel", token)

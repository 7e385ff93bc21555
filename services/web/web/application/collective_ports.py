"""What the collective-session pages need from the appointment service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol
from uuid import UUID

from jalon_shared.events.vocabulary import Modality
from web.application.collective_views import CollectiveSession, Enrolment
from web.application.errors import ApiError


class CollectiveApi(Protocol):
    """Collective sessions over the appointment service's API, with the caller's token.

    Raises ApiError: a 422 names its fields, a 409 its reason in the first error's type.
    """

    async def sessions(self, token: str) -> list[CollectiveSession]: ...
    async def session(self, token: str, session_id: UUID) -> CollectiveSession: ...
    async def create(self, token: str, body: Mapping[str, Any]) -> CollectiveSession: ...
    async def register(self, token: str, session_id: UUID) -> Enrolment: ...
    async def unregister(self, token: str, session_id: UUID) -> Enrolment: ...
    async def mark_attendance(
        self, token: str, session_id: UUID, registration_id: UUID, *, attended: bool
    ) -> Enrolment: ...
    async def requalify(
        self, token: str, session_id: UUID, modality: Modality
    ) -> CollectiveSession: ...
    async def cancel(self, token: str, session_id: UUID) -> CollectiveSession: ...


def reachable(api: CollectiveApi | None) -> CollectiveApi:
    """Return the API, or refuse as unavailable when the front was built without it."""
    if api is None:
        raise ApiError(503, "collective sessions unavailable")
    return api

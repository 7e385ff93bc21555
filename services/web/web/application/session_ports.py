"""What the pages of the work between sessions need from the remote-session service."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

from web.application.document_views import FileStream, Upload
from web.application.errors import ApiError
from web.application.session_views import Call, Message, Task, Thread, Unanswered


class SessionApi(Protocol):
    """The remote-session service's API, with the caller's token; raises ApiError.

    The service alone judges access (the case's beneficiary or counsellor), files (type by
    content, size, count) and texts; a 422 names the field, a 409 its reason, a 413 the files.
    """

    async def thread(self, token: str, case_id: UUID) -> Thread:
        """Return the case's thread; the other side's messages are marked read."""
        ...

    async def post_message(
        self, token: str, case_id: UUID, text: str, files: Sequence[Upload]
    ) -> Message: ...
    async def attachment(self, token: str, attachment_id: UUID) -> FileStream: ...
    async def unanswered(self, token: str) -> list[Unanswered]: ...
    async def tasks(self, token: str, case_id: UUID) -> list[Task]: ...
    async def assign_task(self, token: str, case_id: UUID, body: Mapping[str, Any]) -> Task: ...
    async def complete_task(
        self, token: str, task_id: UUID, note: str, files: Sequence[Upload]
    ) -> Task: ...
    async def log_call(self, token: str, case_id: UUID, body: Mapping[str, Any]) -> Call: ...
    async def calls(self, token: str, case_id: UUID) -> list[Call]: ...


def reachable(api: SessionApi | None) -> SessionApi:
    """Return the API, or refuse as unavailable when the front was built without it."""
    if api is None:
        raise ApiError(503, "remote-session service not configured")
    return api

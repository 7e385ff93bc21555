"""The remote-session service's API over HTTP, called with the signed-in person's token."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter

from web.adapters.documents import file_stream
from web.adapters.services import ServiceClient
from web.application.document_views import FileStream, Upload
from web.application.session_views import Call, Message, Task, Thread, Unanswered

_UNANSWERED = TypeAdapter(list[Unanswered])
_TASKS = TypeAdapter(list[Task])
_CALLS = TypeAdapter(list[Call])


def _parts(files: Sequence[Upload]) -> list[tuple[str, tuple[str, bytes, str]]]:
    # Every file goes under the one field the service reads, in the order chosen.
    return [("files", (f.filename or "fichier", f.content, f.media_type)) for f in files]


class HttpSessionApi:
    """SessionApi over HTTP."""

    def __init__(self, client: ServiceClient) -> None:
        self._api = client

    async def thread(self, token: str, case_id: UUID) -> Thread:
        """Return the case's thread (reading it marks the other side's messages read)."""
        data = await self._api.call("GET", f"/cases/{case_id}/thread", token)
        return self._api.parse(Thread, data)

    async def post_message(
        self, token: str, case_id: UUID, text: str, files: Sequence[Upload]
    ) -> Message:
        """Post a message: multipart with its files, JSON without."""
        path = f"/cases/{case_id}/thread/messages"
        if files:
            data = await self._api.call(
                "POST", path, token, data={"text": text}, files=_parts(files)
            )
        else:
            data = await self._api.call("POST", path, token, json={"text": text})
        return self._api.parse(Message, data)

    async def attachment(self, token: str, attachment_id: UUID) -> FileStream:
        """Open an attachment's file."""
        return file_stream(await self._api.open("GET", f"/attachments/{attachment_id}", token))

    async def unanswered(self, token: str) -> list[Unanswered]:
        """Return the counsellor's threads waiting for an answer, longest waiting first."""
        data = await self._api.call("GET", "/me/unanswered", token)
        return self._api.parse_list(_UNANSWERED, data)

    async def tasks(self, token: str, case_id: UUID) -> list[Task]:
        """Return the case's tasks."""
        data = await self._api.call("GET", f"/cases/{case_id}/tasks", token)
        return self._api.parse_list(_TASKS, data)

    async def assign_task(self, token: str, case_id: UUID, body: Mapping[str, Any]) -> Task:
        """Give the beneficiary a task."""
        data = await self._api.call("POST", f"/cases/{case_id}/tasks", token, json=dict(body))
        return self._api.parse(Task, data)

    async def complete_task(
        self, token: str, task_id: UUID, note: str, files: Sequence[Upload]
    ) -> Task:
        """Mark a task done with a note and files (multipart with files, JSON without)."""
        path = f"/tasks/{task_id}/complete"
        if files:
            data = await self._api.call(
                "POST", path, token, data={"note": note}, files=_parts(files)
            )
        else:
            data = await self._api.call("POST", path, token, json={"note": note})
        return self._api.parse(Task, data)

    async def log_call(self, token: str, case_id: UUID, body: Mapping[str, Any]) -> Call:
        """Log a phone call held outside Jalon."""
        data = await self._api.call("POST", f"/cases/{case_id}/calls", token, json=dict(body))
        return self._api.parse(Call, data)

    async def calls(self, token: str, case_id: UUID) -> list[Call]:
        """Return the case's logged calls, newest first."""
        data = await self._api.call("GET", f"/cases/{case_id}/calls", token)
        return self._api.parse_list(_CALLS, data)

"""A fake of the remote-session service's threads, tasks and calls for the web front's pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID, uuid4

from jalon_shared.auth import TokenVerifier
from tests.unit.web_document_fakes import Streamed
from tests.unit.web_fakes import NOW, Front, build_front
from web.application.document_views import FileStream, Upload
from web.application.errors import ApiError, FieldError
from web.application.session_views import Call, Message, Task, Thread, Unanswered

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def attachment(**overrides: Any) -> dict[str, Any]:
    """Return an attachment as the service describes it."""
    data: dict[str, Any] = {
        "attachment_id": str(uuid4()),
        "filename": "cv.pdf",
        "media_type": PDF,
        "size": 48_000,
    }
    data.update(overrides)
    return data


def message(**overrides: Any) -> Message:
    """Return a message of a thread (the beneficiary's, unread, by default)."""
    data: dict[str, Any] = {
        "message_id": str(uuid4()),
        "author_role": "beneficiary",
        "text": "Bonjour, voici mon CV.",
        "posted_at": "2026-11-22T09:00:00Z",
        "read_at": None,
        "attachments": [],
    }
    data.update(overrides)
    return Message.model_validate(data)


def task(case_id: UUID, **overrides: Any) -> Task:
    """Return a task to do (due in a week by default)."""
    data: dict[str, Any] = {
        "task_id": str(uuid4()),
        "case_id": str(case_id),
        "title": "Enquête métier",
        "instructions": "Rencontrez un contrôleur qualité.",
        "kind": "enquiry",
        "due_on": "2026-11-30",
        "status": "assigned",
        "assigned_at": "2026-11-20T10:00:00Z",
        "completed_at": None,
        "note": None,
        "attachments": [],
    }
    data.update(overrides)
    return Task.model_validate(data)


def call(case_id: UUID, **overrides: Any) -> Call:
    """Return a logged call (reached, 12 minutes)."""
    data: dict[str, Any] = {
        "call_id": str(uuid4()),
        "case_id": str(case_id),
        "started_at": "2026-11-21T09:30:00Z",
        "ended_at": "2026-11-21T09:42:00Z",
        "duration_seconds": 720,
        "outcome": "reached",
        "counsellor_id": "c-camille-bernard",
        "logged_at": "2026-11-21T09:45:00Z",
    }
    data.update(overrides)
    return Call.model_validate(data)


def invalid(field_name: str, reason: str) -> ApiError:
    """Return the 422 the service answers naming a field."""
    return ApiError(422, "invalid", (FieldError(field_name, reason),))


@dataclass
class FakeSessions:
    """SessionApi with canned answers, and the service's case rule: a token reaches a case only
    when its subject is one of the case's people (`owners`), else 404, as the service answers.

    `fail` raises on every call of a method; every call is recorded, with its token, in
    `history`."""

    verifier: TokenVerifier
    owners: dict[UUID, set[str]] = field(default_factory=dict)
    threads: dict[UUID, list[Message]] = field(default_factory=dict)
    unread: dict[UUID, int] = field(default_factory=dict)
    tasks_of: dict[UUID, list[Task]] = field(default_factory=dict)
    calls_of: dict[UUID, list[Call]] = field(default_factory=dict)
    files: dict[UUID, tuple[UUID, Streamed]] = field(default_factory=dict)
    waiting: list[Unanswered] = field(default_factory=list)
    fail: dict[str, ApiError] = field(default_factory=dict)
    history: list[tuple[str, str, tuple[Any, ...]]] = field(default_factory=list)

    def _call(self, name: str, token: str, *args: Any) -> None:
        self.history.append((name, token, args))
        if name in self.fail:
            raise self.fail[name]

    def called(self, name: str) -> list[tuple[Any, ...]]:
        return [args for called, _, args in self.history if called == name]

    def tokens(self, name: str) -> list[str]:
        return [token for called, token, _ in self.history if called == name]

    def open_case(self, case_id: UUID, *subs: str) -> None:
        """Let these people reach the case (its beneficiary's id, its counsellor's)."""
        self.owners.setdefault(case_id, set()).update(subs)
        self.threads.setdefault(case_id, [])

    def _reach(self, token: str, case_id: UUID) -> None:
        if self.verifier.verify(token).sub not in self.owners.get(case_id, set()):
            raise ApiError(404, "no such case")

    def _task(self, token: str, task_id: UUID) -> tuple[UUID, int]:
        for case_id, found in self.tasks_of.items():
            for index, item in enumerate(found):
                if item.task_id == task_id:
                    self._reach(token, case_id)
                    return case_id, index
        raise ApiError(404, "no such task")

    async def thread(self, token: str, case_id: UUID) -> Thread:
        self._call("thread", token, case_id)
        self._reach(token, case_id)
        return Thread(
            case_id=case_id,
            messages=tuple(self.threads.get(case_id, [])),
            unread=self.unread.get(case_id, 0),
        )

    async def post_message(
        self, token: str, case_id: UUID, text: str, files: Sequence[Upload]
    ) -> Message:
        self._call("post_message", token, case_id, text, tuple(files))
        self._reach(token, case_id)
        role = self.verifier.verify(token).role.value
        made = message(author_role=role, text=text.strip(), posted_at=NOW.isoformat())
        self.threads.setdefault(case_id, []).append(made)
        return made

    async def attachment(self, token: str, attachment_id: UUID) -> FileStream:
        self._call("attachment", token, attachment_id)
        if attachment_id not in self.files:
            raise ApiError(404, "no such attachment")
        case_id, streamed = self.files[attachment_id]
        self._reach(token, case_id)
        return streamed.stream()

    async def unanswered(self, token: str) -> list[Unanswered]:
        self._call("unanswered", token)
        return list(self.waiting)

    async def tasks(self, token: str, case_id: UUID) -> list[Task]:
        self._call("tasks", token, case_id)
        self._reach(token, case_id)
        return list(self.tasks_of.get(case_id, []))

    async def assign_task(self, token: str, case_id: UUID, body: Mapping[str, Any]) -> Task:
        self._call("assign_task", token, case_id, dict(body))
        self._reach(token, case_id)
        made = task(case_id, **body)
        self.tasks_of.setdefault(case_id, []).append(made)
        return made

    async def complete_task(
        self, token: str, task_id: UUID, note: str, files: Sequence[Upload]
    ) -> Task:
        self._call("complete_task", token, task_id, note, tuple(files))
        case_id, index = self._task(token, task_id)
        before = self.tasks_of[case_id][index]
        if before.done:
            raise ApiError(409, "already done", (FieldError("task", "already_done"),))
        done = before.model_copy(
            update={"status": "done", "completed_at": NOW, "note": note.strip() or None}
        )
        self.tasks_of[case_id][index] = done
        return done

    async def log_call(self, token: str, case_id: UUID, body: Mapping[str, Any]) -> Call:
        self._call("log_call", token, case_id, dict(body))
        self._reach(token, case_id)
        made = call(case_id, **body, duration_seconds=600)
        self.calls_of.setdefault(case_id, []).insert(0, made)
        return made

    async def calls(self, token: str, case_id: UUID) -> list[Call]:
        self._call("calls", token, case_id)
        self._reach(token, case_id)
        return list(self.calls_of.get(case_id, []))


@dataclass
class SessionFront:
    """A front on fakes whose work pages reach the fake remote-session service."""

    front: Front
    sessions: FakeSessions


def build_session_front() -> SessionFront:
    """Return a front on fakes with the fake remote-session service wired in."""
    front = build_front()
    fake = FakeSessions(front.verifier)
    front.deps = replace(front.deps, sessions=fake)
    front.app.state.web = front.deps
    return SessionFront(front, fake)

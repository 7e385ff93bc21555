"""Tasks the counsellor gives the beneficiary between sessions, and their completion.

Only the case's counsellor assigns; only the case's beneficiary completes, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from remote_session.domain.attachments import Attachment, check_count

MAX_TITLE_CHARS = 200
MAX_INSTRUCTIONS_CHARS = 5000
MAX_NOTE_CHARS = 2000


class TaskKind(StrEnum):
    """What the task asks for."""

    READING = "reading"
    QUESTIONNAIRE = "questionnaire"
    ENQUIRY = "enquiry"
    EXERCISE = "exercise"
    OTHER = "other"


class TaskStatus(StrEnum):
    """Where a task stands."""

    ASSIGNED = "assigned"
    DONE = "done"


class TaskError(ValueError):
    """A task change the rules refuse, naming the field and a reason code."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


class TaskForbiddenError(PermissionError):
    """The caller is not the side of the case this change belongs to."""


@dataclass(frozen=True, slots=True)
class Task:
    """A task of a case, assigned to its beneficiary."""

    task_id: UUID
    case_id: UUID
    beneficiary_id: UUID
    assigned_by: str
    title: str
    instructions: str
    kind: TaskKind
    due_on: date
    assigned_at: datetime
    status: TaskStatus = TaskStatus.ASSIGNED
    completed_at: datetime | None = None
    note: str | None = None
    attachments: tuple[Attachment, ...] = ()

    @classmethod
    def assign(
        cls,
        *,
        task_id: UUID,
        case_id: UUID,
        beneficiary_id: UUID,
        case_counsellor_id: str | None,
        counsellor_id: str,
        title: str,
        instructions: str,
        kind: TaskKind,
        due_on: date,
        now: datetime,
    ) -> Task:
        """Return a new task, if the one assigning is the case's counsellor."""
        if case_counsellor_id is None or counsellor_id != case_counsellor_id:
            raise TaskForbiddenError("only the case's counsellor assigns its tasks")
        clean_title = title.strip()
        if not clean_title or len(clean_title) > MAX_TITLE_CHARS:
            raise TaskError("title", "invalid", f"a title is 1 to {MAX_TITLE_CHARS} chars")
        if len(instructions) > MAX_INSTRUCTIONS_CHARS:
            raise TaskError("instructions", "too_long", "the instructions are too long")
        if due_on < now.date():
            raise TaskError("due_on", "in_the_past", "the due date is already past")
        return cls(
            task_id=task_id,
            case_id=case_id,
            beneficiary_id=beneficiary_id,
            assigned_by=counsellor_id,
            title=clean_title,
            instructions=instructions.strip(),
            kind=kind,
            due_on=due_on,
            assigned_at=now,
        )

    def complete(
        self,
        *,
        beneficiary_id: UUID | None,
        note: str | None,
        attachments: Sequence[Attachment],
        now: datetime,
    ) -> Task:
        """Return the task done, if the one completing is its beneficiary and it is open."""
        if beneficiary_id is None or beneficiary_id != self.beneficiary_id:
            raise TaskForbiddenError("only the case's beneficiary completes its tasks")
        if self.status is TaskStatus.DONE:
            raise TaskError("task", "already_done", "the task is already done")
        check_count(len(attachments))
        clean_note = (note or "").strip() or None
        if clean_note is not None and len(clean_note) > MAX_NOTE_CHARS:
            raise TaskError("note", "too_long", f"a note is at most {MAX_NOTE_CHARS} chars")
        return replace(
            self,
            status=TaskStatus.DONE,
            completed_at=now,
            note=clean_note,
            attachments=tuple(attachments),
        )

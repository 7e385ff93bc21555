"""What the web front reads from the remote-session service's API, typed.

Unknown fields are ignored. Codes (authors, task kinds and statuses, call outcomes) are kept as
text, so a code new to this front still shows the page; the enums below label the known ones.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from web.application.document_views import UtcDatetime

#: How many files one message or one completed task takes (the service's rule, shown in hints).
MAX_ATTACHMENTS = 3
#: The largest file the service takes; a file is read one byte past it, for the service to refuse.
MAX_FILE_BYTES = 10 * 1024 * 1024


class AuthorRole(StrEnum):
    """Which side of the case wrote a message."""

    BENEFICIARY = "beneficiary"
    COUNSELLOR = "counsellor"


class TaskKind(StrEnum):
    """What a task between sessions asks for."""

    READING = "reading"
    QUESTIONNAIRE = "questionnaire"
    ENQUIRY = "enquiry"
    EXERCISE = "exercise"
    OTHER = "other"


class TaskStatus(StrEnum):
    """Where a task stands."""

    ASSIGNED = "assigned"
    DONE = "done"


class View(BaseModel):
    """A read-only answer of the service; fields it adds later are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Attachment(View):
    """A file attached to a message or a completed task; its bytes are fetched apart."""

    attachment_id: UUID
    filename: str
    media_type: str
    size: int


class Message(View):
    """One message of a case's thread."""

    message_id: UUID
    author_role: str
    text: str = ""
    posted_at: UtcDatetime
    #: When the other side first opened the thread after it was posted.
    read_at: UtcDatetime | None = None
    attachments: tuple[Attachment, ...] = ()


class Thread(View):
    """A case's thread, oldest message first; unread counts the other side's messages that the
    caller had not seen before this reading (which marked them read)."""

    case_id: UUID
    messages: tuple[Message, ...] = ()
    unread: int = 0


class Task(View):
    """A task of a case and, once done, the beneficiary's note and files."""

    task_id: UUID
    case_id: UUID
    title: str
    instructions: str = ""
    kind: str
    due_on: date
    status: str
    assigned_at: UtcDatetime
    completed_at: UtcDatetime | None = None
    note: str | None = None
    attachments: tuple[Attachment, ...] = ()

    @property
    def done(self) -> bool:
        """Return whether the beneficiary marked it done."""
        return self.status == TaskStatus.DONE

    def overdue(self, today: date) -> bool:
        """Return whether it is still to do after its due date."""
        return not self.done and self.due_on < today


class Unanswered(View):
    """A thread of the caseload waiting for the counsellor's answer."""

    case_id: UUID
    beneficiary_id: UUID | None = None
    waiting_since: UtcDatetime | None = None
    last_message_at: UtcDatetime | None = None


class Call(View):
    """A phone call the counsellor logged for a case."""

    call_id: UUID
    case_id: UUID
    started_at: UtcDatetime
    ended_at: UtcDatetime
    duration_seconds: float = 0
    outcome: str
    counsellor_id: str | None = None
    logged_at: UtcDatetime | None = None

"""Remote session's HTTP schemas: strict request bodies, and the views answered."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, StrictStr, StringConstraints
from pydantic_core import PydanticCustomError

from remote_session.application.show_thread import ThreadPage
from remote_session.domain.attachments import Attachment
from remote_session.domain.tasks import MAX_INSTRUCTIONS_CHARS, MAX_TITLE_CHARS, Task, TaskKind
from remote_session.domain.threads import MAX_TEXT_CHARS, Message, Thread

Title = Annotated[
    StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE_CHARS)
]
Instructions = Annotated[
    StrictStr, StringConstraints(strip_whitespace=True, max_length=MAX_INSTRUCTIONS_CHARS)
]
Text = Annotated[StrictStr, StringConstraints(max_length=MAX_TEXT_CHARS)]


def _date_text(value: object) -> object:
    """Refuse a number where a date is due: lax parsing would read it as seconds since 1970."""
    if not isinstance(value, str | date):
        raise PydanticCustomError("date_type", "Input should be a date as YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_date_text)]


class Form(BaseModel):
    """A request body: unknown fields refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class MessageForm(Form):
    """A message without attachments, sent as JSON."""

    text: Text


class TaskForm(Form):
    """A task to assign."""

    title: Title
    instructions: Instructions = ""
    kind: TaskKind
    due_on: Day


class AttachmentView(BaseModel):
    """An attachment's description; its bytes are at /attachments/{attachment_id}."""

    attachment_id: UUID
    filename: str
    media_type: str
    size: int

    @classmethod
    def of(cls, attachment: Attachment) -> AttachmentView:
        """Return the view of an attachment."""
        return cls(
            attachment_id=attachment.attachment_id,
            filename=attachment.filename,
            media_type=attachment.media_type,
            size=attachment.size,
        )


class MessageView(BaseModel):
    """One message of a thread."""

    message_id: UUID
    author_role: str
    text: str
    posted_at: datetime
    read_at: datetime | None
    attachments: list[AttachmentView]

    @classmethod
    def of(cls, message: Message) -> MessageView:
        """Return the view of a message."""
        return cls(
            message_id=message.message_id,
            author_role=message.author_role.value,
            text=message.text,
            posted_at=message.posted_at,
            read_at=message.read_at,
            attachments=[AttachmentView.of(a) for a in message.attachments],
        )


class ThreadView(BaseModel):
    """A case's thread; unread counts the other side's messages unread until this reading."""

    case_id: UUID
    messages: list[MessageView]
    unread: int

    @classmethod
    def of(cls, page: ThreadPage) -> ThreadView:
        """Return the view of a thread page."""
        return cls(
            case_id=page.case_id,
            messages=[MessageView.of(m) for m in page.messages],
            unread=page.unread,
        )


class UnansweredView(BaseModel):
    """A thread of the caseload waiting for the counsellor's answer."""

    case_id: UUID
    beneficiary_id: UUID
    waiting_since: datetime | None
    last_message_at: datetime | None

    @classmethod
    def of(cls, thread: Thread) -> UnansweredView:
        """Return the view of a waiting thread."""
        return cls(
            case_id=thread.case_id,
            beneficiary_id=thread.beneficiary_id,
            waiting_since=thread.waiting_since,
            last_message_at=thread.last_message_at,
        )


class TaskView(BaseModel):
    """A task of a case."""

    task_id: UUID
    case_id: UUID
    title: str
    instructions: str
    kind: TaskKind
    due_on: date
    status: str
    assigned_at: datetime
    completed_at: datetime | None
    note: str | None
    attachments: list[AttachmentView]

    @classmethod
    def of(cls, task: Task) -> TaskView:
        """Return the view of a task."""
        return cls(
            task_id=task.task_id,
            case_id=task.case_id,
            title=task.title,
            instructions=task.instructions,
            kind=task.kind,
            due_on=task.due_on,
            status=task.status.value,
            assigned_at=task.assigned_at,
            completed_at=task.completed_at,
            note=task.note,
            attachments=[AttachmentView.of(a) for a in task.attachments],
        )

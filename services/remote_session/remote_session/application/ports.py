"""What the use cases need: storage, files, people, mail, the clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

from jalon_shared.directory.model import CaseEntry
from jalon_shared.events.envelope import Event
from remote_session.domain.tasks import Task
from remote_session.domain.threads import AuthorRole, Message, Thread

T = TypeVar("T")
Clock = Callable[[], datetime]


class SessionTransaction(Protocol):
    """Reads and writes inside one MongoDB transaction; its events commit with it."""

    async def thread(self, case_id: UUID) -> Thread | None: ...
    async def save_thread(self, thread: Thread) -> None: ...
    async def add_message(self, message: Message) -> None: ...
    async def mark_read(self, case_id: UUID, reader: AuthorRole, now: datetime) -> int:
        """Mark the other side's unread messages read; return how many."""

    async def task(self, task_id: UUID) -> Task | None: ...
    async def save_task(self, task: Task) -> None: ...
    def publish(self, *events: Event) -> None: ...


class UnitOfWork(Protocol):
    """Runs work in one transaction, retried on write conflicts, and commits it all or nothing."""

    async def run(self, work: Callable[[SessionTransaction], Awaitable[T]]) -> T: ...


class SessionQueries(Protocol):
    """Reads outside a transaction, for pages."""

    async def thread(self, case_id: UUID) -> Thread | None: ...
    async def messages(self, case_id: UUID) -> list[Message]:
        """Return a thread's messages, oldest first."""

    async def unanswered(self, counsellor_id: str) -> list[Thread]:
        """Return the caseload's threads whose last message is the beneficiary's, oldest first."""

    async def task(self, task_id: UUID) -> Task | None: ...
    async def tasks_of(self, case_id: UUID) -> list[Task]:
        """Return a case's tasks, soonest due first."""


@dataclass(frozen=True, slots=True)
class StoredFile:
    """An attachment's bytes and what they belong to."""

    content: bytes
    filename: str
    media_type: str
    case_id: UUID


class FileStore(Protocol):
    """The attachments' bytes (GridFS), written outside transactions."""

    async def put(
        self,
        file_id: UUID,
        content: bytes,
        *,
        filename: str,
        media_type: str,
        case_id: UUID,
        beneficiary_id: UUID,
    ) -> None: ...
    async def get(self, file_id: UUID) -> StoredFile | None: ...
    async def delete(self, file_id: UUID) -> None: ...


class CaseDirectory(Protocol):
    """The local copy of intake's case ownership (the shared directory)."""

    async def case(self, case_id: UUID) -> CaseEntry | None: ...


class PeopleUnavailableError(Exception):
    """Intake did not answer with the person's details or a 404: try again later."""


class People(Protocol):
    """What intake (their only holder) tells about a beneficiary: the e-mail."""

    async def email(self, beneficiary_id: UUID) -> str | None:
        """Return the e-mail address, or None when intake holds nobody."""


class MailError(Exception):
    """The mail server did not take the message."""


class Mailer(Protocol):
    """Tells the beneficiary a message is waiting; never quotes it."""

    async def send_new_message(self, to: str) -> None: ...


class Eraser(Protocol):
    """Removes everything held about a beneficiary, inside the erasure consumer's transaction."""

    async def erase(self, beneficiary_id: UUID, case_ids: Sequence[UUID], session: object) -> int:
        """Delete the person's threads, messages, tasks and attachments."""

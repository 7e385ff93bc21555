"""A case's thread: the messages its beneficiary and its counsellor exchange between sessions.

One thread per case. A message is read when the other side opens the thread (read receipt);
a thread is waiting for an answer from the first beneficiary message after the counsellor's
last one, until the counsellor writes again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from remote_session.domain.attachments import Attachment, AttachmentError, check_count

MAX_TEXT_CHARS = 5000


class AuthorRole(StrEnum):
    """Which side of the case wrote."""

    BENEFICIARY = "beneficiary"
    COUNSELLOR = "counsellor"

    @property
    def other(self) -> AuthorRole:
        """Return the other side."""
        if self is AuthorRole.BENEFICIARY:
            return AuthorRole.COUNSELLOR
        return AuthorRole.BENEFICIARY


def clean_text(text: str, *, attachments: int = 0) -> str:
    """Return the text trimmed, refusing one too long, or empty with nothing attached."""
    stripped = text.strip()
    if len(stripped) > MAX_TEXT_CHARS:
        raise AttachmentError("text", "too_long", f"a message is at most {MAX_TEXT_CHARS} chars")
    if not stripped and attachments == 0:
        raise AttachmentError("text", "empty", "a message needs text or an attachment")
    return stripped


@dataclass(frozen=True, slots=True)
class Message:
    """One message of a thread."""

    message_id: UUID
    case_id: UUID
    beneficiary_id: UUID
    author_role: AuthorRole
    author_id: str
    text: str
    posted_at: datetime
    attachments: tuple[Attachment, ...] = ()
    #: When the other side first opened the thread after it was posted.
    read_at: datetime | None = None

    @classmethod
    def write(
        cls,
        *,
        message_id: UUID,
        case_id: UUID,
        beneficiary_id: UUID,
        author_role: AuthorRole,
        author_id: str,
        text: str,
        attachments: Sequence[Attachment],
        now: datetime,
    ) -> Message:
        """Return a new message, refusing an empty or too long one or too many files."""
        check_count(len(attachments))
        return cls(
            message_id=message_id,
            case_id=case_id,
            beneficiary_id=beneficiary_id,
            author_role=author_role,
            author_id=author_id,
            text=clean_text(text, attachments=len(attachments)),
            posted_at=now,
            attachments=tuple(attachments),
        )

    def unread_by(self, reader: AuthorRole) -> bool:
        """Return whether the reader has yet to see this message of the other side."""
        return self.author_role is not reader and self.read_at is None

    def read(self, now: datetime) -> Message:
        """Return the message marked read; reading twice keeps the first time."""
        return self if self.read_at is not None else replace(self, read_at=now)


@dataclass(frozen=True, slots=True)
class Thread:
    """A case's thread and who may write to it."""

    case_id: UUID
    beneficiary_id: UUID
    counsellor_id: str | None
    region: str
    created_at: datetime
    last_message_at: datetime | None = None
    last_author_role: AuthorRole | None = None
    #: The first beneficiary message the counsellor has not answered yet, if any.
    waiting_since: datetime | None = None

    def posted(self, message: Message) -> Thread:
        """Return the thread after a message: its last author, and whether it waits."""
        waiting = self.waiting_since
        if message.author_role is AuthorRole.COUNSELLOR:
            waiting = None
        elif waiting is None:
            waiting = message.posted_at
        return replace(
            self,
            last_message_at=message.posted_at,
            last_author_role=message.author_role,
            waiting_since=waiting,
        )

    @property
    def unanswered(self) -> bool:
        """Return whether the last message is the beneficiary's."""
        return self.last_author_role is AuthorRole.BENEFICIARY


def unread_count(messages: Sequence[Message], reader: AuthorRole) -> int:
    """Return how many of the other side's messages the reader has not seen."""
    return sum(1 for m in messages if m.unread_by(reader))

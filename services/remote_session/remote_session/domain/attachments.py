"""Which files a message or a completed task takes: by content, never by name or claimed type.

A file's type is read from its magic numbers (filetype), so an executable renamed .pdf is
refused; docx and odt are recognised by their zip layout, which filetype reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import filetype  # type: ignore[import-untyped]

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 3
PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
ATTACHMENT_MEDIA_TYPES = frozenset({PDF, PNG, JPEG, DOCX, ODT})
#: How many leading bytes are enough to recognise every accepted type.
SNIFF_BYTES = 8192


class AttachmentError(ValueError):
    """A file the rules refuse, naming the field and a reason code."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a message or a task, described; its bytes live elsewhere."""

    attachment_id: UUID
    filename: str
    media_type: str
    size: int


def sniff(content: bytes) -> str | None:
    """Return the media type the content's leading bytes show, or None."""
    kind = filetype.guess(content[:SNIFF_BYTES])
    return None if kind is None else str(kind.mime)


def accepted_media_type(content: bytes, *, field: str = "files") -> str:
    """Return the content's media type if the rules take it, else raise AttachmentError."""
    if not content:
        raise AttachmentError(field, "empty", "the file is empty")
    if len(content) > MAX_FILE_BYTES:
        raise AttachmentError(field, "too_large", f"the file is over {MAX_FILE_BYTES} bytes")
    media_type = sniff(content)
    if media_type not in ATTACHMENT_MEDIA_TYPES:
        raise AttachmentError(
            field, "unsupported_type", "the file's content is not an accepted document type"
        )
    return media_type


def check_count(count: int, *, field: str = "files") -> None:
    """Refuse more attachments than one message takes."""
    if count > MAX_ATTACHMENTS:
        raise AttachmentError(
            field, "too_many", f"a message takes at most {MAX_ATTACHMENTS} attachments"
        )

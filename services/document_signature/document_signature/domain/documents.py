"""The beneficiary's document space: which files it takes, and time-limited shares of them.

A file's type is read from its content (magic numbers), never from its name or the type the
client claims, so an executable renamed .pdf is refused. A share link's token is kept only as
its sha256; the link opens until it expires or is revoked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

import filetype  # type: ignore[import-untyped]

MAX_FILE_BYTES = 10 * 1024 * 1024
PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
#: What the space takes; docx and odt are recognised by their zip layout, which filetype reads.
UPLOAD_MEDIA_TYPES = frozenset({PDF, PNG, JPEG, DOCX, ODT})
#: What a scanned paper signature may be.
SCAN_MEDIA_TYPES = frozenset({PDF, PNG, JPEG})
#: How many leading bytes are enough to recognise every accepted type.
SNIFF_BYTES = 8192
MIN_SHARE_DAYS = 1
MAX_SHARE_DAYS = 30


class DocumentKind(StrEnum):
    """Where a document of the space comes from."""

    SUMMARY = "summary"
    UPLOAD = "upload"


class DocumentError(ValueError):
    """A file or a share the rules refuse, naming the field and a reason code."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


def sniff(content: bytes) -> str | None:
    """Return the media type the content's leading bytes show, or None."""
    kind = filetype.guess(content[:SNIFF_BYTES])
    return None if kind is None else str(kind.mime)


def accepted_media_type(
    content: bytes, allowed: frozenset[str] = UPLOAD_MEDIA_TYPES, *, field: str = "file"
) -> str:
    """Return the content's media type if the rules take it, else raise DocumentError."""
    if not content:
        raise DocumentError(field, "empty", "the file is empty")
    if len(content) > MAX_FILE_BYTES:
        raise DocumentError(field, "too_large", f"the file is over {MAX_FILE_BYTES} bytes")
    media_type = sniff(content)
    if media_type not in allowed:
        raise DocumentError(
            field, "unsupported_type", "the file's content is not an accepted document type"
        )
    return media_type


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A file of a beneficiary's space and where its bytes are."""

    document_id: UUID
    beneficiary_id: UUID
    kind: DocumentKind
    title: str
    media_type: str
    size: int
    sha256: str
    file_id: UUID
    created_at: datetime
    #: The case of a summary; an upload belongs to no case.
    case_id: UUID | None = None


def token_digest(token: str) -> str:
    """Return the digest a share token is stored and looked up by."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Access:
    """One opening of a share link."""

    at: datetime
    ip: str | None
    user_agent: str | None


@dataclass(frozen=True, slots=True)
class Share:
    """A link to one document, for one recipient and purpose, open for a few days."""

    share_id: UUID
    document_id: UUID
    beneficiary_id: UUID
    recipient: str
    purpose: str
    token_hash: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    accesses: tuple[Access, ...] = ()

    @classmethod
    def create(
        cls,
        *,
        share_id: UUID,
        document_id: UUID,
        beneficiary_id: UUID,
        recipient: str,
        purpose: str,
        days: int,
        consent: bool,
        token: str,
        now: datetime,
    ) -> Share:
        """Return a new share, refusing without consent or outside 1 to 30 days."""
        if not consent:
            raise DocumentError("consent", "consent_required", "sharing needs your consent")
        if not MIN_SHARE_DAYS <= days <= MAX_SHARE_DAYS:
            raise DocumentError(
                "days", "out_of_range", f"a share lasts {MIN_SHARE_DAYS} to {MAX_SHARE_DAYS} days"
            )
        return cls(
            share_id=share_id,
            document_id=document_id,
            beneficiary_id=beneficiary_id,
            recipient=recipient,
            purpose=purpose,
            token_hash=token_digest(token),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )

    def is_open(self, now: datetime) -> bool:
        """Return whether the link opens now: neither revoked nor expired."""
        return self.revoked_at is None and now < self.expires_at

    def opened(self, access: Access) -> Share:
        """Return the share with one more opening logged."""
        return replace(self, accesses=(*self.accesses, access))

    def revoked(self, now: datetime) -> Share:
        """Return the share closed now; revoking twice keeps the first time."""
        if self.revoked_at is not None:
            return self
        return replace(self, revoked_at=now)

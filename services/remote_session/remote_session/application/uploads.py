"""Attachments checked and stored before the record naming them commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID, uuid4

from remote_session.application.errors import InvalidInputError, TooLargeError
from remote_session.application.ports import FileStore
from remote_session.domain.attachments import (
    Attachment,
    AttachmentError,
    accepted_media_type,
    check_count,
)


@dataclass(frozen=True, slots=True)
class Upload:
    """A file as sent: its name and bytes."""

    filename: str
    content: bytes


def checked(uploads: Sequence[Upload]) -> list[tuple[Attachment, bytes]]:
    """Return each upload described, refusing the lot if one breaks the rules."""
    try:
        check_count(len(uploads))
        return [
            (
                Attachment(uuid4(), u.filename, accepted_media_type(u.content), len(u.content)),
                u.content,
            )
            for u in uploads
        ]
    except AttachmentError as exc:
        if exc.reason == "too_large":
            raise TooLargeError(str(exc)) from exc
        raise InvalidInputError(exc.field, exc.reason, str(exc)) from exc


async def store(
    files: FileStore,
    attachments: Sequence[tuple[Attachment, bytes]],
    *,
    case_id: UUID,
    beneficiary_id: UUID,
) -> None:
    """Write the attachments' bytes, each under its own id."""
    for attachment, content in attachments:
        await files.put(
            attachment.attachment_id,
            content,
            filename=attachment.filename,
            media_type=attachment.media_type,
            case_id=case_id,
            beneficiary_id=beneficiary_id,
        )


async def discard(files: FileStore, attachments: Sequence[tuple[Attachment, bytes]]) -> None:
    """Delete stored bytes whose record failed to commit (GridFS takes no transactions)."""
    for attachment, _ in attachments:
        await files.delete(attachment.attachment_id)

"""Use case: the beneficiary deposits a file (PDF, PNG or JPEG) in their space."""

from __future__ import annotations

from pathlib import PurePath

from web.application.appointment_drafts import InvalidDraftError
from web.application.document_ports import DocumentApi
from web.application.document_views import MAX_UPLOAD_BYTES, OwnDocument, Upload
from web.application.errors import FieldError
from web.domain.sessions import Session

#: The longest title the form takes.
MAX_TITLE = 200


def title_for(title: str, upload: Upload) -> str:
    """Return the title to keep: the one typed, else the file's name without its extension."""
    return title.strip() or PurePath(upload.filename).stem.strip()[:MAX_TITLE] or "Document"


async def upload_document(
    session: Session, title: str, upload: Upload | None, *, documents: DocumentApi
) -> OwnDocument:
    """Deposit it; raises InvalidDraftError (no file, too large, title too long), ApiError if
    refused (the service alone judges the type, by the file's content)."""
    if upload is None or not upload.content:
        raise InvalidDraftError([FieldError("file", "missing")])
    if len(upload.content) > MAX_UPLOAD_BYTES:
        raise InvalidDraftError([FieldError("file", "too_large")])
    if len(title.strip()) > MAX_TITLE:
        raise InvalidDraftError([FieldError("title", "string_too_long")])
    return await documents.upload(session.token, title_for(title, upload), upload)

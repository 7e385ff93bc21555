"""Use case: anyone checks that a PDF is a summary signed by Jalon and unchanged since."""

from __future__ import annotations

from web.application.appointment_drafts import InvalidDraftError
from web.application.document_ports import DocumentApi
from web.application.document_views import MAX_VERIFY_BYTES, Upload, VerifyReport
from web.application.errors import FieldError


async def verify_document(upload: Upload | None, *, documents: DocumentApi) -> VerifyReport:
    """Check it; raises InvalidDraftError for no file or one too large, ApiError if refused."""
    if upload is None or not upload.content:
        raise InvalidDraftError([FieldError("file", "missing")])
    if len(upload.content) > MAX_VERIFY_BYTES:
        raise InvalidDraftError([FieldError("file", "too_large")])
    return await documents.verify(upload.content)

"""Use case: the counsellor attaches the scan of a summary signed on paper."""

from __future__ import annotations

from uuid import UUID

from web.application.appointment_drafts import InvalidDraftError
from web.application.document_ports import DocumentApi
from web.application.document_views import MAX_UPLOAD_BYTES, ClientInfo, Summary, Upload
from web.application.errors import FieldError
from web.domain.sessions import Session


async def attach_paper_scan(
    session: Session,
    document_id: UUID,
    scan: Upload | None,
    *,
    client: ClientInfo,
    documents: DocumentApi,
) -> Summary:
    """Attach it; raises InvalidDraftError for no file or one too large, ApiError if refused."""
    if scan is None or not scan.content:
        raise InvalidDraftError([FieldError("scan", "missing")])
    if len(scan.content) > MAX_UPLOAD_BYTES:
        raise InvalidDraftError([FieldError("scan", "too_large")])
    return await documents.attach_paper(session.token, document_id, scan, client)

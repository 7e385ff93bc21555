"""Use case: a summary's PDF, a preview of the current version or the sealed file once signed."""

from __future__ import annotations

from uuid import UUID

from web.application.document_ports import DocumentApi
from web.application.document_views import FileStream
from web.domain.sessions import Session


async def open_summary_pdf(
    session: Session, document_id: UUID, *, documents: DocumentApi
) -> FileStream:
    """Open it for reading; raises ApiError when refused."""
    return await documents.summary_pdf(session.token, document_id)

"""Use case: the beneficiary downloads a document of their space."""

from __future__ import annotations

from uuid import UUID

from web.application.document_ports import DocumentApi
from web.application.document_views import FileStream
from web.domain.sessions import Session


async def download_document(
    session: Session, document_id: UUID, *, documents: DocumentApi
) -> FileStream:
    """Open its file for reading; raises ApiError when refused."""
    return await documents.document_content(session.token, document_id)

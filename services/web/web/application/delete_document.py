"""Use case: the beneficiary deletes a document of their space, and its file."""

from __future__ import annotations

from uuid import UUID

from web.application.document_ports import DocumentApi
from web.domain.sessions import Session


async def delete_document(session: Session, document_id: UUID, *, documents: DocumentApi) -> None:
    """Delete it; raises ApiError when refused."""
    await documents.delete_document(session.token, document_id)

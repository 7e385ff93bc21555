"""Use case: the beneficiary asks for the one-time code that signs a summary."""

from __future__ import annotations

from uuid import UUID

from web.application.document_ports import DocumentApi
from web.application.document_views import ClientInfo, CodeSent
from web.domain.sessions import Session


async def send_signing_code(
    session: Session, document_id: UUID, *, client: ClientInfo, documents: DocumentApi
) -> CodeSent:
    """Have the code sent by e-mail; raises ApiError (429 once too many were sent)."""
    return await documents.send_code(session.token, document_id, client)

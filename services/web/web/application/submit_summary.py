"""Use case: the counsellor sends a draft summary for the beneficiary's signature."""

from __future__ import annotations

from uuid import UUID

from web.application.document_ports import DocumentApi
from web.application.document_views import Summary
from web.domain.sessions import Session


async def submit_summary(session: Session, document_id: UUID, *, documents: DocumentApi) -> Summary:
    """Submit it (it can no longer change); raises ApiError when refused."""
    return await documents.submit(session.token, document_id)

"""Use case: the beneficiary ends a share; its link stops working at once."""

from __future__ import annotations

from uuid import UUID

from web.application.document_ports import DocumentApi
from web.application.document_views import Share
from web.domain.sessions import Session


async def revoke_share(session: Session, share_id: UUID, *, documents: DocumentApi) -> Share:
    """Revoke it; raises ApiError when refused."""
    return await documents.revoke_share(session.token, share_id)

"""Use case: the counsellor records a signature made in their presence, identity checked."""

from __future__ import annotations

from uuid import UUID

from web.application.document_ports import DocumentApi
from web.application.document_views import ClientInfo, Summary
from web.application.errors import NotConfirmedError
from web.domain.sessions import Session


async def sign_in_person(
    session: Session,
    document_id: UUID,
    *,
    identity_checked: bool,
    client: ClientInfo,
    documents: DocumentApi,
) -> Summary:
    """Record it; raises NotConfirmedError until the identity is checked, ApiError if refused."""
    if not identity_checked:
        raise NotConfirmedError
    return await documents.sign_in_person(session.token, document_id, client)

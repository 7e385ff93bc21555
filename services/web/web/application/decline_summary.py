"""Use case: the beneficiary refuses to sign a summary, saying why."""

from __future__ import annotations

from uuid import UUID

from web.application.appointment_drafts import InvalidDraftError
from web.application.document_ports import DocumentApi
from web.application.document_views import ClientInfo, Summary
from web.application.errors import FieldError
from web.domain.sessions import Session

#: The longest reason the form takes.
MAX_REASON = 2000


async def decline_summary(
    session: Session, document_id: UUID, reason: str, *, client: ClientInfo, documents: DocumentApi
) -> Summary:
    """Record the refusal; raises InvalidDraftError without a reason or with one too long,
    ApiError if refused (the counsellor reads the reason before proposing a new version)."""
    kept = reason.strip()
    if not kept:
        raise InvalidDraftError([FieldError("reason", "missing")])
    if len(kept) > MAX_REASON:
        raise InvalidDraftError([FieldError("reason", "string_too_long")])
    return await documents.decline(session.token, document_id, kept, client)

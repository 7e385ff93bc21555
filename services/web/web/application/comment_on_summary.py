"""Use case: the beneficiary or the counsellor comments on a summary being written or signed."""

from __future__ import annotations

from uuid import UUID

from web.application.appointment_drafts import InvalidDraftError
from web.application.document_ports import DocumentApi
from web.application.document_views import Summary
from web.application.errors import FieldError
from web.domain.sessions import Session

#: The longest comment the form takes.
MAX_COMMENT = 2000


async def comment_on_summary(
    session: Session, document_id: UUID, text: str, *, documents: DocumentApi
) -> Summary:
    """Add the comment; raises InvalidDraftError for an empty or long one, ApiError if refused."""
    kept = text.strip()
    if not kept:
        raise InvalidDraftError([FieldError("text", "missing")])
    if len(kept) > MAX_COMMENT:
        raise InvalidDraftError([FieldError("text", "string_too_long")])
    return await documents.comment(session.token, document_id, kept)

"""Use case: the beneficiary shares a document through a time-limited link, with their consent."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from web.application.appointment_drafts import InvalidDraftError
from web.application.document_ports import DocumentApi
from web.application.document_views import SHARE_DAYS, CreatedShare
from web.application.errors import FieldError
from web.domain.sessions import Session

MAX_RECIPIENT = 200
MAX_PURPOSE = 500


@dataclass(frozen=True, slots=True)
class ShareDraft:
    """The share form as typed."""

    recipient: str = ""
    purpose: str = ""
    days: str = "7"
    consent: bool = False


async def share_document(
    session: Session, document_id: UUID, draft: ShareDraft, *, documents: DocumentApi
) -> CreatedShare:
    """Create the link; raises InvalidDraftError (nothing is sent) for a missing consent or
    field, ApiError when refused."""
    errors: list[FieldError] = []
    recipient, purpose = draft.recipient.strip(), draft.purpose.strip()
    if not recipient:
        errors.append(FieldError("recipient", "missing"))
    elif len(recipient) > MAX_RECIPIENT:
        errors.append(FieldError("recipient", "string_too_long"))
    if not purpose:
        errors.append(FieldError("purpose", "missing"))
    elif len(purpose) > MAX_PURPOSE:
        errors.append(FieldError("purpose", "string_too_long"))
    days = int(draft.days) if draft.days.isdigit() else 0
    if days not in SHARE_DAYS:
        errors.append(FieldError("days", "enum"))
    if not draft.consent:
        errors.append(FieldError("consent", "missing"))
    if errors:
        raise InvalidDraftError(errors)
    return await documents.share(
        session.token, document_id, recipient=recipient, purpose=purpose, days=days, consent=True
    )

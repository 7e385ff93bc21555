"""Use case: the counsellor saves a new version of a draft summary."""

from __future__ import annotations

from uuid import UUID

from web.application.appointment_drafts import InvalidDraftError
from web.application.document_ports import DocumentApi
from web.application.document_views import Summary
from web.application.errors import ApiError
from web.application.summary_drafts import SummaryDraft, on_form, summary_body
from web.domain.sessions import Session


async def revise_summary(
    session: Session, document_id: UUID, draft: SummaryDraft, *, documents: DocumentApi
) -> Summary:
    """Save it; raises InvalidDraftError naming form fields, ApiError when refused otherwise."""
    read = summary_body(draft)
    try:
        return await documents.revise_summary(session.token, document_id, read.body)
    except ApiError as exc:
        if exc.status == 422 and exc.errors:
            raise InvalidDraftError(
                on_form(exc.errors, read.plan_rows, read.resource_rows)
            ) from exc
        raise

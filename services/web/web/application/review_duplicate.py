"""Use case: the counsellor decides whether a flagged request is the same person."""

from __future__ import annotations

from uuid import UUID

from web.application.ports import IntakeApi
from web.application.views import CaseDetails
from web.domain.sessions import Session


async def review_duplicate(
    session: Session, case_id: UUID, request_id: UUID, *, same_person: bool, intake: IntakeApi
) -> CaseDetails:
    """Confirm (it joins this case) or reject (intake opens a case of its own); raises ApiError."""
    if same_person:
        return await intake.confirm_duplicate(session.token, case_id, request_id)
    return await intake.reject_duplicate(session.token, case_id, request_id)

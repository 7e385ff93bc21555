"""Use case: hand a case over to another counsellor of the region."""

from __future__ import annotations

from uuid import UUID

from web.application.ports import IntakeApi
from web.application.views import CaseDetails
from web.domain.sessions import Session


async def reassign_case(
    session: Session, case_id: UUID, to_counsellor_id: str, *, intake: IntakeApi
) -> CaseDetails:
    """Ask intake to hand the case over; raises ApiError when it refuses."""
    return await intake.reassign(session.token, case_id, to_counsellor_id)

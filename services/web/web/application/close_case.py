"""Use case: close a case with a reason, once the counsellor confirmed it."""

from __future__ import annotations

from uuid import UUID

from jalon_shared.events.vocabulary import CloseReason
from web.application.errors import NotConfirmedError
from web.application.ports import IntakeApi
from web.application.views import CaseDetails
from web.domain.sessions import Session


async def close_case(
    session: Session, case_id: UUID, reason: CloseReason, *, confirmed: bool, intake: IntakeApi
) -> CaseDetails:
    """Ask intake to close the case; raises NotConfirmedError or ApiError."""
    if not confirmed:
        raise NotConfirmedError
    return await intake.close(session.token, case_id, reason)

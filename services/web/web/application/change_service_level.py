"""Use case: requalify a case's service level."""

from __future__ import annotations

from uuid import UUID

from jalon_shared.events.vocabulary import ServiceLevel
from web.application.ports import IntakeApi
from web.application.views import CaseDetails
from web.domain.sessions import Session


async def change_service_level(
    session: Session, case_id: UUID, level: ServiceLevel, *, intake: IntakeApi
) -> CaseDetails:
    """Ask intake to change the level; raises ApiError when it refuses."""
    return await intake.change_service_level(session.token, case_id, level)

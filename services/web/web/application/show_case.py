"""Use case: a counsellor opens a case: the person, the request, duplicates, history."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import structlog

from web.application.errors import ApiError
from web.application.ports import IntakeApi
from web.application.views import CaseDetails, Counsellor
from web.domain.sessions import Session

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class CasePage:
    """A case and the counsellors it may be handed to (None when the directory is unavailable)."""

    case: CaseDetails
    handover_to: list[Counsellor] | None


async def show_case(session: Session, case_id: UUID, *, intake: IntakeApi) -> CasePage:
    """Read the case (raises ApiError) and, on its own, the region's active counsellors."""
    case = await intake.case(session.token, case_id)
    try:
        counsellors = await intake.counsellors(session.token)
    except ApiError as exc:
        log.warning("counsellor directory unavailable", status=exc.status)
        return CasePage(case=case, handover_to=None)
    others = [
        c
        for c in counsellors
        if c.active and c.counsellor_id != case.counsellor_id and c.region == case.region
    ]
    others.sort(key=lambda c: (c.site != case.site, c.name))
    return CasePage(case=case, handover_to=others)

"""Use case: the beneficiary's space: their cases, and what the request form offers."""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog

from web.application.errors import ApiError
from web.application.ports import IntakeApi
from web.application.views import BeneficiaryDetails, CaseDetails, Region
from web.domain.sessions import Session

log = structlog.get_logger(__name__)

#: A beneficiary rarely has more than one case; older ones beyond this are not shown.
SHOWN_CASES = 5


@dataclass(frozen=True, slots=True)
class BeneficiarySpace:
    """What the beneficiary's page shows; each part may be missing on its own."""

    regions: list[Region] | None
    known: BeneficiaryDetails | None = None
    cases: list[CaseDetails] = field(default_factory=list)
    cases_unavailable: bool = False


async def show_beneficiary_space(session: Session, *, intake: IntakeApi) -> BeneficiarySpace:
    """Read the reference data and the beneficiary's own cases, each failing on its own."""
    regions: list[Region] | None
    try:
        regions = await intake.regions(session.token)
    except ApiError as exc:
        log.warning("reference data unavailable", status=exc.status)
        regions = None
    try:
        own = await intake.own_data(session.token)
        latest = sorted(own.cases, key=lambda c: c.opened_at, reverse=True) if own else []
        cases = [await intake.case(session.token, c.case_id) for c in latest[:SHOWN_CASES]]
    except ApiError as exc:
        log.warning("own cases unavailable", status=exc.status)
        return BeneficiarySpace(regions=regions, cases_unavailable=True)
    return BeneficiarySpace(regions=regions, known=own.beneficiary if own else None, cases=cases)

"""Use case: a manager reads their region's activity and its counsellors."""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from web.application.errors import ApiError
from web.application.ports import IntakeApi, ReportingApi
from web.application.show_caseload import own_region
from web.application.views import Counsellor, Region, RegionActivity
from web.domain.sessions import Session

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RegionPage:
    """The activity (required) and the directory and reference data (each optional)."""

    activity: RegionActivity
    counsellors: list[Counsellor] | None
    region: Region | None


async def show_region_activity(
    session: Session, *, intake: IntakeApi, reporting: ReportingApi
) -> RegionPage:
    """Read the activity (raises ApiError), then the counsellors and the region's sites."""
    region_code = session.principal.region or ""
    activity = await reporting.region_activity(session.token, region_code)
    try:
        counsellors: list[Counsellor] | None = await intake.counsellors(session.token)
    except ApiError as exc:
        log.warning("counsellor directory unavailable", status=exc.status)
        counsellors = None
    if counsellors is not None:
        counsellors = sorted(counsellors, key=lambda c: c.name)
    return RegionPage(
        activity=activity,
        counsellors=counsellors,
        region=await own_region(session, intake=intake),
    )

"""Use case: a counsellor's caseload page: one page of cases, alerts and the site filter."""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from web.application.errors import ApiError
from web.application.ports import IntakeApi
from web.application.views import CaseloadAlerts, CaseloadFilters, CaseloadItem, Region
from web.domain.sessions import Session

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class CaseloadPage:
    """What the caseload page shows; the list, the alerts and the sites fail on their own."""

    items: list[CaseloadItem] | None
    has_more: bool
    alerts: CaseloadAlerts | None
    region: Region | None


async def show_caseload(
    session: Session, filters: CaseloadFilters, *, offset: int, page_size: int, intake: IntakeApi
) -> CaseloadPage:
    """Read one page (one row more, to know whether another follows), alerts and sites."""
    items: list[CaseloadItem] | None
    try:
        items = await intake.caseload(session.token, filters, limit=page_size + 1, offset=offset)
    except ApiError as exc:
        log.warning("caseload unavailable", status=exc.status)
        items = None
    try:
        alerts: CaseloadAlerts | None = await intake.caseload_alerts(session.token)
    except ApiError as exc:
        log.warning("caseload alerts unavailable", status=exc.status)
        alerts = None
    region = await own_region(session, intake=intake)
    return CaseloadPage(
        items=items[:page_size] if items is not None else None,
        has_more=items is not None and len(items) > page_size,
        alerts=alerts,
        region=region,
    )


async def own_region(session: Session, *, intake: IntakeApi) -> Region | None:
    """Return the staff member's region from the reference data, or None when unavailable."""
    try:
        regions = await intake.regions(session.token)
    except ApiError as exc:
        log.warning("reference data unavailable", status=exc.status)
        return None
    return next((r for r in regions if r.code == session.principal.region), None)

"""Use case: a manager reads their region's activity, its monthly reports and its counsellors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import structlog

from web.application.dashboard_query import FIELDS, DashboardQuery, read_dashboard_query
from web.application.errors import ApiError
from web.application.ports import IntakeApi, ReportingApi
from web.application.reporting_views import Dashboard, ReportSummary
from web.application.show_caseload import own_region
from web.application.views import Counsellor, Region
from web.domain.sessions import Session

log = structlog.get_logger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RegionPage:
    """What the activity page shows; each part fails on its own (None, with why for figures)."""

    query: DashboardQuery
    #: Fields of the query refused by the page or by reporting -> the value sent.
    invalid: dict[str, str]
    dashboard: Dashboard | None
    #: The status reporting answered when the dashboard is missing.
    dashboard_status: int | None
    reports: list[ReportSummary] | None
    counsellors: list[Counsellor] | None
    region: Region | None


async def show_region_activity(
    session: Session,
    raw: Mapping[str, str],
    *,
    today: date,
    intake: IntakeApi,
    reporting: ReportingApi,
) -> RegionPage:
    """Read the query against the region's sites, then the dashboard, reports and counsellors."""
    region = await own_region(session, intake=intake)
    sites = None if region is None else {s.code for s in region.sites}
    read = read_dashboard_query(raw, today=today, sites=sites)
    # Always the session's own region, never one from the query: reporting refuses any other.
    code = session.principal.region or ""
    board, reports, counsellors = await asyncio.gather(
        _attempt(reporting.dashboard(session.token, code, read.query), "dashboard"),
        _attempt(reporting.reports(session.token, code), "reports"),
        _attempt(intake.counsellors(session.token), "counsellor directory"),
    )
    invalid = dict(read.invalid)
    failure = board if isinstance(board, ApiError) else None
    if failure is not None and failure.status == 422:
        # Reporting names the field it refused; the page names it to the manager.
        for error in failure.errors:
            if error.form_field in FIELDS:
                invalid.setdefault(error.form_field, str(raw.get(error.form_field, "")))
    return RegionPage(
        query=read.query,
        invalid=invalid,
        dashboard=board if isinstance(board, Dashboard) else None,
        dashboard_status=failure.status if failure is not None else None,
        reports=reports if isinstance(reports, list) else None,
        counsellors=(
            sorted(counsellors, key=lambda c: c.name) if isinstance(counsellors, list) else None
        ),
        region=region,
    )


async def _attempt(call: Awaitable[T], what: str) -> T | ApiError:
    try:
        return await call
    except ApiError as exc:
        log.warning("reading failed", what=what, status=exc.status)
        return exc

"""Use case: a manager downloads the funder's CSV of the period and filters shown."""

from __future__ import annotations

from web.application.dashboard_query import DashboardQuery
from web.application.ports import ReportingApi
from web.application.reporting_views import FetchedFile
from web.domain.sessions import Session


async def export_region_csv(
    session: Session, query: DashboardQuery, *, reporting: ReportingApi
) -> FetchedFile:
    """Return the CSV of the manager's own region; raises ApiError."""
    return await reporting.export_csv(session.token, session.principal.region or "", query)

"""Use case: a manager's page shows a chart of the period and filters shown."""

from __future__ import annotations

from web.application.dashboard_query import DashboardQuery
from web.application.ports import ReportingApi
from web.application.reporting_views import CHARTS, FetchedFile
from web.domain.sessions import Session


class UnknownChartError(ValueError):
    """A chart reporting does not draw."""


async def draw_region_chart(
    session: Session, chart: str, query: DashboardQuery, *, reporting: ReportingApi
) -> FetchedFile:
    """Return the SVG chart of the manager's own region; raises ApiError or UnknownChartError."""
    if chart not in CHARTS:
        raise UnknownChartError(chart)
    return await reporting.chart(session.token, session.principal.region or "", chart, query)

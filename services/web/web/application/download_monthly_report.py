"""Use case: a manager downloads one of their region's monthly reports."""

from __future__ import annotations

from uuid import UUID

from web.application.ports import ReportingApi
from web.application.reporting_views import FetchedFile
from web.domain.sessions import Session


async def download_monthly_report(
    session: Session, report_id: UUID, *, reporting: ReportingApi
) -> FetchedFile:
    """Return the report's PDF, from the manager's own region only; raises ApiError."""
    return await reporting.report_pdf(session.token, session.principal.region or "", report_id)

"""Use case: a manager lists their region's reports."""

from __future__ import annotations

from reporting.application.report_ports import ReportStore
from reporting.domain.reports import ReportSummary


async def list_reports(region: str, *, reports: ReportStore) -> list[ReportSummary]:
    """Return the region's reports, newest first."""
    return await reports.of_region(region)

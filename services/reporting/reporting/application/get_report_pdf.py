"""Use case: a manager downloads one of their region's reports."""

from __future__ import annotations

from uuid import UUID

from reporting.application.report_errors import ReportNotFoundError
from reporting.application.report_ports import ReportStore
from reporting.domain.reports import StoredReport


async def get_report_pdf(region: str, report_id: UUID, *, reports: ReportStore) -> StoredReport:
    """Return the report with its PDF; ReportNotFoundError if unknown or another region's."""
    report = await reports.pdf(region, report_id)
    if report is None:
        raise ReportNotFoundError(str(report_id))
    return report

"""Use case: a manager generates the activity report of a month of their region."""

from __future__ import annotations

from datetime import date

from jalon_shared.periods import PeriodKind
from web.application.ports import ReportingApi
from web.application.reporting_views import ReportSummary
from web.domain.report_periods import parse_period
from web.domain.sessions import Session


class InvalidReportMonthError(ValueError):
    """A month that is not a month key, or that has not begun."""


async def generate_monthly_report(
    session: Session, month: str, *, today: date, reporting: ReportingApi
) -> ReportSummary:
    """Generate the report (seconds); raises InvalidReportMonthError or ApiError."""
    period = parse_period(PeriodKind.MONTH, month)
    if period is None or period.start > today:
        raise InvalidReportMonthError(month)
    return await reporting.generate_report(session.token, session.principal.region or "", month)

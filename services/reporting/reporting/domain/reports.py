"""Monthly activity reports: which month a report may cover, and what is kept of one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict

from jalon_shared.periods import PeriodKind, period_key
from reporting.domain.dashboard import Period
from reporting.domain.periods import PeriodError, local_date, period

#: Years a report may cover: the service holds nothing older, and it bounds the date arithmetic.
FIRST_YEAR, LAST_YEAR = 2000, 2099
MONTH_PATTERN = r"^20\d{2}-(0[1-9]|1[0-2])$"


class ReportKind(StrEnum):
    """Why a report was made: the monthly schedule (one per region and month) or a manager."""

    MONTHLY = "monthly"
    ON_DEMAND = "on_demand"


class ReportSummary(BaseModel):
    """A generated report, ready to download."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    report_id: UUID
    region: str
    #: The month reported on, as YYYY-MM (Europe/Paris).
    month: str
    generated_at: AwareDatetime
    pages: int
    size_bytes: int


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A report as kept: its summary, why it was made, and the PDF with its digest."""

    summary: ReportSummary
    kind: ReportKind
    sha256: str
    pdf: bytes


class ReportMonthError(ValueError):
    """A month a report cannot cover: not a YYYY-MM key ("format"), or not begun ("future")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def report_period(month: str, today: date) -> Period:
    """Return the month a report covers; the current month is allowed, a later one is not."""
    if not month[:4].isdigit() or not FIRST_YEAR <= int(month[:4]) <= LAST_YEAR:
        raise ReportMonthError("format")
    try:
        chosen = period(PeriodKind.MONTH, month)
    except PeriodError as exc:
        raise ReportMonthError("format") from exc
    if chosen.start > today:
        raise ReportMonthError("future")
    return chosen


def in_progress(of: Period, today: date) -> bool:
    """Return whether a period has not ended yet on a (local) day: its figures may still grow."""
    return today <= of.end


def previous_month(today: date) -> str:
    """Return the key of the month before the one holding a day: the one the schedule reports."""
    return period_key(PeriodKind.MONTH, today.replace(day=1) - timedelta(days=1))


def due_month(now: datetime, grace: timedelta) -> str:
    """Return the month the schedule reports at an instant: the last one, once grace has passed."""
    # The grace lets the last events of the month's final evening reach the read model first.
    return previous_month(local_date(now - grace))

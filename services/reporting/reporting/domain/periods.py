"""Reporting periods in local time (Europe/Paris): ISO weeks, months and quarters."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from jalon_shared.french_dates import MONTHS, SHORT_MONTHS
from jalon_shared.periods import PeriodKind, period_bounds, period_key
from reporting.domain.dashboard import Period

#: Funders count activity by local calendar, not UTC.
LOCAL = ZoneInfo("Europe/Paris")
#: Years a period may fall in: wide enough for any trend, far from the calendar's ends.
YEARS = range(1900, 2200)


class PeriodError(ValueError):
    """A period key that does not name a period of its kind."""


def local_date(moment: datetime) -> date:
    """Return the Europe/Paris calendar day of an aware instant."""
    return moment.astimezone(LOCAL).date()


def period(kind: PeriodKind, key: str) -> Period:
    """Return the period a key names, with its French label and local dates; PeriodError if bad."""
    bounds = period_bounds(kind, key, YEARS)
    if bounds is None:
        raise PeriodError(kind.value)
    start, end = bounds
    if kind is PeriodKind.WEEK:
        label = f"semaine du {start.day} {SHORT_MONTHS[start.month - 1]} {start.year}"
    elif kind is PeriodKind.MONTH:
        label = f"{MONTHS[start.month - 1]} {start.year}"
    else:
        number = (start.month - 1) // 3 + 1
        label = f"{'1er' if number == 1 else f'{number}e'} trimestre {start.year}"
    return Period(kind=kind, key=key, label=label, start=start, end=end)


def previous(of: Period) -> Period:
    """Return the period of the same kind just before."""
    return period(of.kind, period_key(of.kind, of.start - timedelta(days=1)))


def trailing(of: Period, count: int) -> list[Period]:
    """Return the count periods of the same kind ending with this one, oldest first."""
    periods = [of]
    while len(periods) < count:
        periods.append(previous(periods[-1]))
    return periods[::-1]


#: The letter a period kind's counter documents are stored under.
STORED_KIND = {PeriodKind.WEEK: "w", PeriodKind.MONTH: "m", PeriodKind.QUARTER: "q"}

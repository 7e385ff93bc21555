"""Reporting periods in local time (Europe/Paris): ISO weeks, months and quarters."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from reporting.domain.dashboard import Period, PeriodKind

#: Funders count activity by local calendar, not UTC.
LOCAL = ZoneInfo("Europe/Paris")

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
SHORT_MONTHS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)

KEY_PATTERNS: dict[PeriodKind, re.Pattern[str]] = {
    PeriodKind.WEEK: re.compile(r"^(\d{4})-W(\d{2})$"),
    PeriodKind.MONTH: re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
    PeriodKind.QUARTER: re.compile(r"^(\d{4})-Q([1-4])$"),
}
#: Years a period may fall in: wide enough for any trend, far from the calendar's ends.
YEARS = range(1900, 2200)


class PeriodError(ValueError):
    """A period key that does not name a period of its kind."""


def local_date(moment: datetime) -> date:
    """Return the Europe/Paris calendar day of an aware instant."""
    return moment.astimezone(LOCAL).date()


def week_key(day: date) -> str:
    """Return the ISO week key of a day, e.g. 2026-W47."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def month_key(day: date) -> str:
    """Return the month key of a day, e.g. 2026-11."""
    return f"{day.year}-{day.month:02d}"


def quarter_key(day: date) -> str:
    """Return the quarter key of a day, e.g. 2026-Q4."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def current_key(kind: PeriodKind, today: date) -> str:
    """Return the key of the period of a kind that holds a day."""
    if kind is PeriodKind.WEEK:
        return week_key(today)
    if kind is PeriodKind.MONTH:
        return month_key(today)
    return quarter_key(today)


def period(kind: PeriodKind, key: str) -> Period:
    """Return the period a key names, with its French label and local dates; PeriodError if bad."""
    match = KEY_PATTERNS[kind].match(key)
    if match is None:
        raise PeriodError(kind.value)
    year, number = int(match.group(1)), int(match.group(2))
    if year not in YEARS:
        raise PeriodError(kind.value)
    if kind is PeriodKind.WEEK:
        try:
            start = date.fromisocalendar(year, number, 1)
        except ValueError as exc:
            raise PeriodError(kind.value) from exc
        end = start + timedelta(days=6)
        label = f"semaine du {start.day} {SHORT_MONTHS[start.month - 1]} {start.year}"
    elif kind is PeriodKind.MONTH:
        start = date(year, number, 1)
        end = _month_end(year, number)
        label = f"{MONTHS[number - 1]} {year}"
    else:
        start = date(year, 3 * number - 2, 1)
        end = _month_end(year, 3 * number)
        label = f"{'1er' if number == 1 else f'{number}e'} trimestre {year}"
    return Period(kind=kind, key=key, label=label, start=start, end=end)


def previous(of: Period) -> Period:
    """Return the period of the same kind just before."""
    return period(of.kind, current_key(of.kind, of.start - timedelta(days=1)))


def trailing(of: Period, count: int) -> list[Period]:
    """Return the count periods of the same kind ending with this one, oldest first."""
    periods = [of]
    while len(periods) < count:
        periods.append(previous(periods[-1]))
    return periods[::-1]


#: The letter a period kind's counter documents are stored under.
STORED_KIND = {PeriodKind.WEEK: "w", PeriodKind.MONTH: "m", PeriodKind.QUARTER: "q"}


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)

"""Reporting periods as the manager picks them: ISO weeks, months and quarters, in Paris dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

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


class PeriodKind(StrEnum):
    """The length of a reporting period."""

    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


KEY_PATTERNS: dict[PeriodKind, re.Pattern[str]] = {
    PeriodKind.WEEK: re.compile(r"^(\d{4})-W(\d{2})$"),
    PeriodKind.MONTH: re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
    PeriodKind.QUARTER: re.compile(r"^(\d{4})-Q([1-4])$"),
}
#: Years a key may name; the service holds nothing older, and this bounds the date arithmetic.
FIRST_YEAR, LAST_YEAR = 2000, 2099


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """One period: its key (2026-W47, 2026-11, 2026-Q4) and its first and last local days."""

    kind: PeriodKind
    key: str
    start: date
    end: date

    @property
    def label(self) -> str:
        """Return the French name the service gives it: « novembre 2026 »."""
        if self.kind is PeriodKind.WEEK:
            month = SHORT_MONTHS[self.start.month - 1]
            return f"semaine du {_day(self.start)} {month} {self.start.year}"
        if self.kind is PeriodKind.MONTH:
            return f"{MONTHS[self.start.month - 1]} {self.start.year}"
        number = (self.start.month - 1) // 3 + 1
        return f"{'1er' if number == 1 else f'{number}e'} trimestre {self.start.year}"

    @property
    def long_label(self) -> str:
        """Return the name a list shows, a week's with both ends: « semaine du 16 au 22 nov. »."""
        if self.kind is not PeriodKind.WEEK:
            return self.label
        return f"semaine {span(self.start, self.end)}"

    def holds(self, day: date) -> bool:
        """Return whether a day falls in the period."""
        return self.start <= day <= self.end


def _day(day: date) -> str:
    return "1er" if day.day == 1 else str(day.day)


def span(start: date, end: date) -> str:
    """Return « du 16 au 22 nov. 2026 », naming a month or a year only where they change."""
    last = f"{_day(end)} {SHORT_MONTHS[end.month - 1]} {end.year}"
    if start.year != end.year:
        return f"du {_day(start)} {SHORT_MONTHS[start.month - 1]} {start.year} au {last}"
    if start.month != end.month:
        return f"du {_day(start)} {SHORT_MONTHS[start.month - 1]} au {last}"
    return f"du {_day(start)} au {last}"


def period_of(kind: PeriodKind, day: date) -> ReportPeriod:
    """Return the period of a kind that holds a day."""
    if kind is PeriodKind.WEEK:
        year, week, weekday = day.isocalendar()
        start = day - timedelta(days=weekday - 1)
        return ReportPeriod(kind, f"{year}-W{week:02d}", start, start + timedelta(days=6))
    if kind is PeriodKind.MONTH:
        start = date(day.year, day.month, 1)
        return ReportPeriod(kind, f"{day.year}-{day.month:02d}", start, _month_end(start))
    quarter = (day.month - 1) // 3 + 1
    start = date(day.year, 3 * quarter - 2, 1)
    end = _month_end(date(day.year, 3 * quarter, 1))
    return ReportPeriod(kind, f"{day.year}-Q{quarter}", start, end)


def parse_period(kind: PeriodKind, key: str) -> ReportPeriod | None:
    """Return the period a key names, or None when it is no key of that kind."""
    found = KEY_PATTERNS[kind].match(key)
    if found is None:
        return None
    year, number = int(found.group(1)), int(found.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    if kind is PeriodKind.WEEK:
        try:
            monday = date.fromisocalendar(year, number, 1)
        except ValueError:
            return None
        return period_of(kind, monday)
    if kind is PeriodKind.MONTH:
        return period_of(kind, date(year, number, 1))
    return period_of(kind, date(year, 3 * number - 2, 1))


def parse_any_period(key: str) -> ReportPeriod | None:
    """Return the period a key of any kind names, or None."""
    for kind in PeriodKind:
        found = parse_period(kind, key)
        if found is not None:
            return found
    return None


def previous(of: ReportPeriod) -> ReportPeriod:
    """Return the period of the same kind just before."""
    return period_of(of.kind, of.start - timedelta(days=1))


def recent(kind: PeriodKind, today: date, count: int = 12) -> list[ReportPeriod]:
    """Return the count periods of a kind up to the one holding today, newest first."""
    periods = [period_of(kind, today)]
    while len(periods) < count:
        periods.append(previous(periods[-1]))
    return periods


def trailing(of: ReportPeriod, count: int = 12) -> list[ReportPeriod]:
    """Return the count periods of the same kind ending with this one, oldest first."""
    periods = [of]
    while len(periods) < count:
        periods.append(previous(periods[-1]))
    return periods[::-1]


def latest_within(outer: ReportPeriod, kind: PeriodKind, today: date) -> ReportPeriod:
    """Return the latest period of a kind inside another one, not after today's."""
    # A manager who switches from a month to weeks keeps looking at that month: its last week.
    return period_of(kind, min(outer.end, today))


def _month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)

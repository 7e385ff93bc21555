"""Reporting periods as the manager picks them: ISO weeks, months and quarters, in Paris dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from jalon_shared.french_dates import MONTHS, SHORT_MONTHS, day_of_month
from jalon_shared.periods import PeriodKind, period_bounds, period_holding

#: Years a key may name; the service holds nothing older, and this bounds the date arithmetic.
YEARS = range(2000, 2100)


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
            return f"semaine du {day_of_month(self.start)} {month} {self.start.year}"
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


def span(start: date, end: date) -> str:
    """Return « du 16 au 22 nov. 2026 », naming a month or a year only where they change."""
    last = f"{day_of_month(end)} {SHORT_MONTHS[end.month - 1]} {end.year}"
    if start.year != end.year:
        return f"du {day_of_month(start)} {SHORT_MONTHS[start.month - 1]} {start.year} au {last}"
    if start.month != end.month:
        return f"du {day_of_month(start)} {SHORT_MONTHS[start.month - 1]} au {last}"
    return f"du {day_of_month(start)} au {last}"


def period_of(kind: PeriodKind, day: date) -> ReportPeriod:
    """Return the period of a kind that holds a day."""
    return ReportPeriod(kind, *period_holding(kind, day))


def parse_period(kind: PeriodKind, key: str) -> ReportPeriod | None:
    """Return the period a key names, or None when it is no key of that kind."""
    bounds = period_bounds(kind, key, YEARS)
    return None if bounds is None else ReportPeriod(kind, key, *bounds)


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

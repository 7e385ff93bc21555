"""The reporting calendar: ISO weeks, months and quarters, keyed 2026-W47, 2026-11, 2026-Q4.

Reporting counts by these periods and the web front offers them; both read keys the same way.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from enum import StrEnum


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


def period_key(kind: PeriodKind, day: date) -> str:
    """Return the key of the period of a kind that holds a day."""
    if kind is PeriodKind.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if kind is PeriodKind.MONTH:
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def period_holding(kind: PeriodKind, day: date) -> tuple[str, date, date]:
    """Return the key, first and last days of the period of a kind that holds a day."""
    if kind is PeriodKind.WEEK:
        start = day - timedelta(days=day.weekday())
        return period_key(kind, day), start, start + timedelta(days=6)
    if kind is PeriodKind.MONTH:
        return period_key(kind, day), day.replace(day=1), month_end(day.year, day.month)
    last_month = 3 * ((day.month - 1) // 3 + 1)
    start = date(day.year, last_month - 2, 1)
    return period_key(kind, day), start, month_end(day.year, last_month)


def period_bounds(kind: PeriodKind, key: str, years: range) -> tuple[date, date] | None:
    """Return a key's first and last days, or None when it names no period of the kind in years."""
    # fullmatch: a pattern's `$` alone would let a trailing newline through.
    found = KEY_PATTERNS[kind].fullmatch(key)
    if found is None:
        return None
    year, number = int(found.group(1)), int(found.group(2))
    if year not in years:
        return None
    if kind is PeriodKind.WEEK:
        try:
            first = date.fromisocalendar(year, number, 1)
        except ValueError:
            return None
    else:
        first = date(year, number if kind is PeriodKind.MONTH else 3 * number - 2, 1)
    _, start, end = period_holding(kind, first)
    return start, end


def month_end(year: int, month: int) -> date:
    """Return the last day of a month."""
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)

"""The shared reporting calendar: a day's period and a key's period agree, bad keys name none."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from jalon_shared.french_dates import day_of_month
from jalon_shared.periods import PeriodKind, period_bounds, period_holding

YEARS = range(2000, 2100)


@pytest.mark.parametrize("kind", list(PeriodKind))
def test_every_day_of_three_years_lies_in_the_period_its_key_names(kind: PeriodKind) -> None:
    day = date(2025, 12, 20)
    while day < date(2028, 1, 10):
        key, start, end = period_holding(kind, day)
        assert start <= day <= end
        assert period_bounds(kind, key, YEARS) == (start, end)
        day += timedelta(days=1)


def test_iso_weeks_cross_years_and_quarters_end_on_their_last_day() -> None:
    assert period_holding(PeriodKind.WEEK, date(2027, 1, 1)) == (
        "2026-W53",
        date(2026, 12, 28),
        date(2027, 1, 3),
    )
    assert period_bounds(PeriodKind.QUARTER, "2028-Q1", YEARS) == (
        date(2028, 1, 1),
        date(2028, 3, 31),
    )
    assert period_bounds(PeriodKind.MONTH, "2028-02", YEARS) == (
        date(2028, 2, 1),
        date(2028, 2, 29),
    )


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        (PeriodKind.WEEK, "2026-W54"),
        (PeriodKind.WEEK, "2025-W53"),
        (PeriodKind.WEEK, "2026-11"),
        (PeriodKind.MONTH, "2026-13"),
        (PeriodKind.MONTH, "2026-1"),
        (PeriodKind.QUARTER, "2026-Q5"),
        (PeriodKind.MONTH, "1999-12"),
        (PeriodKind.MONTH, " 2026-11"),
        (PeriodKind.MONTH, "2026-11\n"),
    ],
)
def test_a_key_that_names_no_period_of_its_kind_in_the_years_gives_none(
    kind: PeriodKind, key: str
) -> None:
    assert period_bounds(kind, key, YEARS) is None


def test_the_first_of_the_month_is_written_1er() -> None:
    assert [day_of_month(date(2026, 12, d)) for d in (1, 2, 31)] == ["1er", "2", "31"]

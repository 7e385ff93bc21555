"""What a manager reads: indicators, breakdowns and trends of one period, small cells suppressed."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from jalon_shared.periods import PeriodKind


class Unit(StrEnum):
    """How an indicator's value reads."""

    COUNT = "count"
    RATE = "rate"
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    SCORE = "score"


class Filter(StrEnum):
    """The dimensions a manager may filter on, besides the period."""

    SITE = "site"
    LEVEL = "level"
    MODALITY = "modality"
    CSP = "csp"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Period(_Frozen):
    """One period: its key (2026-11, 2026-W47, 2026-Q4), its French label and its local dates."""

    kind: PeriodKind
    key: str
    label: str
    start: date
    #: The last day of the period, inclusive.
    end: date


class Filters(_Frozen):
    """The filters a view was computed with; None is every value."""

    site: str | None = None
    level: str | None = None
    modality: str | None = None
    csp: str | None = None


class Cell(_Frozen):
    """One figure; value is None when suppressed (a count under 5, or complementary)."""

    value: float | None
    suppressed: bool = False


class Indicator(_Frozen):
    """A headline figure of the period, with the previous period's and the change."""

    code: str
    group: str
    label: str
    unit: Unit
    current: Cell
    previous: Cell
    #: Relative change from the previous period (0.25 is +25 %); None when either is hidden or 0.
    change: float | None
    #: Filters this figure is not broken down by (a request has no modality): it ignores them.
    ignores: tuple[Filter, ...] = ()


class BreakdownRow(_Frozen):
    """One category of a breakdown, with one cell per column."""

    code: str
    label: str
    cells: tuple[Cell, ...]


class Breakdown(_Frozen):
    """A table of the period: categories of one dimension by a few counts, with a total row."""

    code: str
    label: str
    dimension: str
    columns: tuple[str, ...]
    column_labels: tuple[str, ...]
    rows: tuple[BreakdownRow, ...]
    total: BreakdownRow
    ignores: tuple[Filter, ...] = ()


class Point(_Frozen):
    """One period of a trend."""

    period: str
    label: str
    cell: Cell


class Series(_Frozen):
    """A figure over the periods up to the one shown, oldest first."""

    code: str
    label: str
    points: tuple[Point, ...]


class Dashboard(_Frozen):
    """Everything a manager's page, the CSV and the PDF show for one region and period."""

    region: str
    period: Period
    previous: Period
    filters: Filters
    indicators: tuple[Indicator, ...]
    breakdowns: tuple[Breakdown, ...]
    series: tuple[Series, ...]
    #: Counts under this many people are hidden.
    threshold: int

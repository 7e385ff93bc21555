"""What the web front reads from reporting: a region's dashboard, its files and monthly reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from web.application.views import View

#: The filters a figure may ignore, in the order the page names them.
FILTER_NAMES = ("site", "level", "modality", "csp")
#: The charts reporting draws, in the order the page shows them.
CHARTS = ("activity", "modalities", "sites", "satisfaction")


class ReportCell(View):
    """One figure: None and suppressed is hidden (small count); None alone is not computable."""

    value: float | None = None
    suppressed: bool = False


class PeriodView(View):
    """A reporting period as the service names it."""

    kind: str
    key: str
    label: str
    start: date
    end: date


class FiltersView(View):
    """The filters a dashboard was computed with; None is every value."""

    site: str | None = None
    level: str | None = None
    modality: str | None = None
    csp: str | None = None

    def active(self) -> tuple[str, ...]:
        """Return the names of the filters that are set."""
        return tuple(name for name in FILTER_NAMES if getattr(self, name))


class Indicator(View):
    """A headline figure of the period, the previous period's, and the relative change."""

    code: str
    group: str
    label: str
    unit: str = "count"
    current: ReportCell
    previous: ReportCell
    change: float | None = None
    ignores: tuple[str, ...] = ()


class BreakdownRow(View):
    """One category of a breakdown, one cell per column."""

    code: str
    label: str = ""
    cells: tuple[ReportCell, ...] = ()


class Breakdown(View):
    """A table of the period: the categories of one dimension by a few counts, and a total."""

    code: str
    label: str
    dimension: str
    columns: tuple[str, ...] = ()
    column_labels: tuple[str, ...] = ()
    rows: tuple[BreakdownRow, ...] = ()
    total: BreakdownRow | None = None
    ignores: tuple[str, ...] = ()

    def headings(self) -> tuple[str, ...]:
        """Return the columns' French headings (« Nombre » where the service sent none)."""
        if len(self.column_labels) == len(self.columns):
            return self.column_labels
        return ("Nombre",) * len(self.columns)


class Point(View):
    """One period of a trend."""

    period: str
    label: str
    cell: ReportCell


class Series(View):
    """A figure over the periods up to the one shown, oldest first."""

    code: str
    label: str
    points: tuple[Point, ...] = ()


class Dashboard(View):
    """A region's indicators, tables and trends for one period and filters."""

    region: str
    period: PeriodView
    previous: PeriodView
    filters: FiltersView = FiltersView()
    indicators: tuple[Indicator, ...] = ()
    breakdowns: tuple[Breakdown, ...] = ()
    series: tuple[Series, ...] = ()
    threshold: int = 5

    def groups(self) -> list[tuple[str, list[Indicator]]]:
        """Return the indicators by group, groups and indicators in the service's order."""
        grouped: dict[str, list[Indicator]] = {}
        for indicator in self.indicators:
            grouped.setdefault(indicator.group, []).append(indicator)
        return list(grouped.items())

    def breakdown(self, code: str) -> Breakdown | None:
        """Return one breakdown by code, or None when the service sent none."""
        return next((b for b in self.breakdowns if b.code == code), None)

    def series_rows(self) -> list[tuple[str, list[ReportCell]]]:
        """Return the trend as table rows: each period's name and one cell per series."""
        periods: dict[str, str] = {}
        for series in self.series:
            for point in series.points:
                periods.setdefault(point.period, point.label)
        cells = {s.code: {p.period: p.cell for p in s.points} for s in self.series}
        missing = ReportCell()
        return [
            (name, [cells[s.code].get(key, missing) for s in self.series])
            for key, name in sorted(periods.items())
        ]

    def has_suppressed(self) -> bool:
        """Return whether any figure of the page is hidden."""
        cells = [c for i in self.indicators for c in (i.current, i.previous)]
        for b in self.breakdowns:
            for row in (*b.rows, *((b.total,) if b.total else ())):
                cells.extend(row.cells)
        cells.extend(p.cell for s in self.series for p in s.points)
        return any(c.suppressed for c in cells)


class ReportSummary(View):
    """A monthly report of a region, generated and ready to download."""

    report_id: UUID
    region: str
    month: str
    generated_at: datetime
    pages: int
    size_bytes: int


@dataclass(frozen=True, slots=True)
class FetchedFile:
    """A file a service sent, read whole: its bytes, its type and the name it gave."""

    content: bytes
    media_type: str
    filename: str | None = None

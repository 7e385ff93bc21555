"""The monthly activity report: an HTML/CSS template and the SVG charts, rendered by WeasyPrint."""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import CSS, HTML, URLFetcher
from weasyprint.text.fonts import FontConfiguration

from jalon_shared.french_dates import MONTHS, day_of_month
from reporting.adapters.charts import render_chart
from reporting.application.report_ports import RenderedReport
from reporting.domain.charts import CHART_TITLES, ChartName
from reporting.domain.dashboard import Breakdown, BreakdownRow, Cell, Dashboard
from reporting.domain.display import cell_text, change_text
from reporting.domain.labels import DIMENSIONS
from reporting.domain.reports import in_progress

PARIS: Final = ZoneInfo("Europe/Paris")
TEMPLATES: Final = Path(__file__).with_name("templates")
ORGANISATION: Final = "Jalon \N{EN DASH} Conseil en évolution professionnelle"


@dataclass(frozen=True, slots=True)
class Printed:
    """One printed figure, and whether it is hidden (printed in italics)."""

    text: str
    hidden: bool


@dataclass(frozen=True, slots=True)
class IndicatorLine:
    """One line of an indicator group's table."""

    label: str
    current: str
    current_hidden: bool
    previous: str
    previous_hidden: bool
    change: str


@dataclass(frozen=True, slots=True)
class IndicatorGroup:
    """The indicators of one section (« Rendez-vous », « Satisfaction »…)."""

    title: str
    lines: tuple[IndicatorLine, ...]


@dataclass(frozen=True, slots=True)
class TableRow:
    """A breakdown's row as printed."""

    label: str
    cells: tuple[Printed, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A breakdown as printed."""

    title: str
    dimension: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
    total: TableRow


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart as an image the PDF embeds, with its text alternative."""

    source: str
    alt: str


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    """Everything the report prints, already worded in French."""

    title: str
    organisation: str
    region_label: str
    period_label: str
    period_span: str
    previous_label: str
    generated: str
    in_progress: bool
    as_of: str
    threshold: int
    groups: tuple[IndicatorGroup, ...]
    charts: tuple[Chart, ...]
    tables: tuple[Table, ...]


def long_date(day: date) -> str:
    """Return a French date such as « 15 janvier 2027 » (« 1er » on the first of the month)."""
    first = day_of_month(day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"


def _paris(moment: datetime) -> datetime:
    # A naive time is taken as UTC, which is how the service stores every instant.
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(PARIS)


def long_datetime(moment: datetime) -> str:
    """Return a French date and time in Paris, such as « 15 janvier 2027 à 14 h 05 »."""
    local = _paris(moment)
    return f"{long_date(local.date())} à {local.hour} h {local.minute:02d}"


def _figure(cell: Cell) -> Printed:
    return Printed(text=cell_text(cell), hidden=cell.suppressed)


def _row(row: BreakdownRow) -> TableRow:
    return TableRow(label=row.label, cells=tuple(_figure(c) for c in row.cells))


def _table(breakdown: Breakdown) -> Table:
    return Table(
        title=breakdown.label,
        dimension=DIMENSIONS.get(breakdown.dimension, breakdown.dimension),
        columns=breakdown.column_labels,
        rows=tuple(_row(r) for r in breakdown.rows),
        total=_row(breakdown.total),
    )


def _groups(dashboard: Dashboard) -> tuple[IndicatorGroup, ...]:
    titles: list[str] = []
    lines: dict[str, list[IndicatorLine]] = {}
    for indicator in dashboard.indicators:
        if indicator.group not in lines:
            titles.append(indicator.group)
            lines[indicator.group] = []
        lines[indicator.group].append(
            IndicatorLine(
                label=indicator.label,
                current=cell_text(indicator.current, indicator.unit),
                current_hidden=indicator.current.suppressed,
                previous=cell_text(indicator.previous, indicator.unit),
                previous_hidden=indicator.previous.suppressed,
                change=change_text(indicator.change),
            )
        )
    return tuple(IndicatorGroup(title=t, lines=tuple(lines[t])) for t in titles)


def with_site_labels(dashboard: Dashboard, site_labels: dict[str, str]) -> Dashboard:
    """Return the dashboard with its sites named, where it only had their codes."""
    breakdowns = tuple(
        b.model_copy(
            update={
                "rows": tuple(
                    r.model_copy(update={"label": site_labels.get(r.code, r.label)})
                    if r.label == r.code
                    else r
                    for r in b.rows
                )
            }
        )
        if b.dimension == "site"
        else b
        for b in dashboard.breakdowns
    )
    return dashboard.model_copy(update={"breakdowns": breakdowns})


def _chart(dashboard: Dashboard, chart: ChartName) -> Chart:
    svg = base64.b64encode(render_chart(dashboard, chart)).decode("ascii")
    return Chart(source=f"data:image/svg+xml;base64,{svg}", alt=CHART_TITLES[chart])


def monthly_report(
    dashboard: Dashboard,
    *,
    region_label: str,
    site_labels: dict[str, str],
    generated_at: datetime,
) -> MonthlyReport:
    """Return what the report prints of a month's dashboard."""
    board = with_site_labels(dashboard, site_labels)
    today = _paris(generated_at).date()
    period = board.period
    span = f"du {long_date(period.start)} au {long_date(period.end)}"
    return MonthlyReport(
        title=f"Rapport d'activité mensuel · {region_label} · {period.label}",
        organisation=ORGANISATION,
        region_label=region_label,
        period_label=period.label,
        period_span=span,
        previous_label=board.previous.label,
        generated=long_datetime(generated_at),
        in_progress=in_progress(period, today),
        as_of=long_date(today),
        threshold=board.threshold,
        groups=_groups(board),
        charts=tuple(_chart(board, chart) for chart in ChartName),
        tables=tuple(_table(b) for b in board.breakdowns),
    )


class _DataOnly(URLFetcher):  # type: ignore[misc]
    """Fetch only data: URLs (the embedded charts), so nothing in a report makes it call out."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=frozenset({"data"}))


class MonthlyReportRenderer:
    """Render a month's dashboard to the report's PDF (A4, French, tagged, page X / Y)."""

    # Rendering is CPU-bound and synchronous: callers run it off the event loop. Renders are
    # serialised by a lock, as document_signature's are: Pango and fontconfig under threads have
    # a history of crashes (WeasyPrint #1402).

    def __init__(self) -> None:
        environment = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._template = environment.get_template("monthly_report.html")
        self._css_text = (TEMPLATES / "monthly_report.css").read_text(encoding="utf-8")
        self._lock = threading.Lock()

    def html(self, report: MonthlyReport) -> str:
        """Return the escaped HTML the PDF is rendered from (handy to test the wording)."""
        return self._template.render(r=report)

    def render(
        self,
        dashboard: Dashboard,
        *,
        region_label: str,
        site_labels: dict[str, str],
        generated_at: datetime,
    ) -> RenderedReport:
        """Return the month's report as PDF, with its page count."""
        report = monthly_report(
            dashboard,
            region_label=region_label,
            site_labels=site_labels,
            generated_at=generated_at,
        )
        markup = self.html(report)
        with self._lock:
            fonts = FontConfiguration()
            fetcher = _DataOnly()
            stylesheet = CSS(string=self._css_text, font_config=fonts, url_fetcher=fetcher)
            document = HTML(string=markup, url_fetcher=fetcher).render(
                stylesheets=[stylesheet], font_config=fonts
            )
            pdf: bytes = document.write_pdf(pdf_tags=True)
        return RenderedReport(pdf=pdf, pages=len(document.pages))


def render_monthly_report(
    dashboard: Dashboard,
    *,
    region_label: str,
    site_labels: dict[str, str],
    generated_at: datetime,
) -> RenderedReport:
    """Return a month's report as PDF with its page count (a renderer made for this call)."""
    return MonthlyReportRenderer().render(
        dashboard, region_label=region_label, site_labels=site_labels, generated_at=generated_at
    )

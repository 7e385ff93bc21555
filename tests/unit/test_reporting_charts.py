"""Reporting's SVG charts: valid, accessible, French, reproducible, small cells drawn as hidden."""

from __future__ import annotations

import statistics
import time
import xml.etree.ElementTree as ET

import pytest

from jalon_shared.periods import PeriodKind
from reporting.adapters.charts import render_chart
from reporting.domain.charts import (
    CHART_HEADINGS,
    CHART_TITLES,
    EMPTY_NOTE,
    GAP_NOTE,
    ChartName,
    describe,
    tick_labels,
)
from reporting.domain.dashboard import Cell, Filters, Point, Unit
from reporting.domain.display import cell_text, change_text, french_number
from tests.unit.reporting_samples import empty_dashboard, sample_dashboard

SVG_NS = "{http://www.w3.org/2000/svg}"


def parse(svg: bytes) -> ET.Element:
    """Parse an SVG document, failing the test if it is not well-formed XML."""
    return ET.fromstring(svg)  # noqa: S314 - the renderer's own output, not untrusted input


def words(root: ET.Element) -> str:
    """Return every text the SVG holds, its title and description included."""
    return " ".join(" ".join(root.itertext()).split())


@pytest.mark.parametrize("chart", list(ChartName))
def test_each_chart_is_an_accessible_svg_sized_by_its_viewbox(chart: ChartName) -> None:
    root = parse(render_chart(sample_dashboard(), chart))
    assert root.tag == f"{SVG_NS}svg"
    assert "viewBox" in root.attrib
    # No fixed size: the page decides how wide it is drawn (390 px on a phone).
    assert "width" not in root.attrib
    assert "height" not in root.attrib
    assert root.attrib["role"] == "img"
    title = root.find(f"{SVG_NS}title")
    desc = root.find(f"{SVG_NS}desc")
    assert title is not None
    assert title.text == CHART_TITLES[chart]
    assert desc is not None
    assert desc.text == describe(sample_dashboard(), chart)
    labelled = root.attrib["aria-labelledby"].split()
    assert labelled == [title.attrib["id"], desc.attrib["id"]]
    text = words(root)
    assert CHART_HEADINGS[chart] in text
    assert "octobre 2026" in text


@pytest.mark.parametrize("chart", list(ChartName))
def test_the_same_dashboard_gives_the_same_bytes(chart: ChartName) -> None:
    assert render_chart(sample_dashboard(), chart) == render_chart(sample_dashboard(), chart)


def test_a_different_dashboard_gives_a_different_chart() -> None:
    board = sample_dashboard()
    changed = board.model_copy(
        update={
            "series": tuple(
                s.model_copy(
                    update={
                        "points": (
                            *s.points[:-1],
                            Point(period="2026-10", label="octobre 2026", cell=Cell(value=999.0)),
                        )
                    }
                )
                for s in board.series
            )
        }
    )
    assert render_chart(board, ChartName.ACTIVITY) != render_chart(changed, ChartName.ACTIVITY)
    filtered = board.model_copy(update={"filters": Filters(site="brest", modality="video")})
    svg = words(parse(render_chart(filtered, ChartName.SITES)))
    assert "lieu : Brest" in svg
    assert "modalité : Visio" in svg


def test_hidden_cells_draw_no_bar_and_say_masque() -> None:
    board = sample_dashboard()
    for chart in (ChartName.MODALITIES, ChartName.SITES, ChartName.SATISFACTION):
        text = words(parse(render_chart(board, chart)))
        assert "masqué" in text, chart
        assert "moins de 5 personnes" in text, chart
    # Saint-Brieuc's and Lorient's requests are hidden: two bars for four sites.
    sites = parse(render_chart(board, ChartName.SITES))
    bars = [
        p for p in sites.iter(f"{SVG_NS}path") if "#0072b2" in p.attrib.get("style", "").lower()
    ]
    assert len(bars) == 2
    # The trend's hidden months are gaps, explained under the axis.
    gap = GAP_NOTE.format(threshold=5)
    assert gap in words(parse(render_chart(board, ChartName.ACTIVITY)))


def test_hidden_figures_are_never_drawn_as_numbers() -> None:
    board = sample_dashboard()
    desc = describe(board, ChartName.SATISFACTION)
    assert "1 · Pas du tout satisfait : réponses masqué" in desc
    assert "5 · Très satisfait : réponses 19" in desc


@pytest.mark.parametrize("chart", list(ChartName))
def test_an_empty_dashboard_still_draws(chart: ChartName) -> None:
    root = parse(render_chart(empty_dashboard(), chart))
    assert root.find(f"{SVG_NS}title") is not None
    if chart is ChartName.SITES:
        assert EMPTY_NOTE in words(root)


def test_a_dashboard_with_no_trend_or_table_says_so() -> None:
    board = sample_dashboard(series=(), breakdowns=())
    for chart in ChartName:
        root = parse(render_chart(board, chart))
        assert EMPTY_NOTE in words(root), chart


@pytest.mark.parametrize("chart", list(ChartName))
def test_rendering_stays_quick(chart: ChartName) -> None:
    board = sample_dashboard()
    render_chart(board, chart)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        render_chart(board, chart)
        times.append(time.perf_counter() - started)
    # About 60 to 110 ms each on the development machine; the bound leaves room for a busy one.
    assert statistics.median(times) < 0.5


def test_period_ticks_are_short_and_name_the_year_where_it_changes() -> None:
    assert tick_labels(PeriodKind.MONTH, ["2025-11", "2025-12", "2026-01"]) == [
        "nov.\n2025",
        "déc.",
        "janv.\n2026",
    ]
    assert tick_labels(PeriodKind.WEEK, ["2026-W52", "2026-W53", "2027-W01"]) == [
        "S52\n2026",
        "S53",
        "S01\n2027",
    ]
    assert tick_labels(PeriodKind.QUARTER, ["2026-Q4", "2027-Q1"]) == ["T4\n2026", "T1\n2027"]


def test_figures_read_the_french_way() -> None:
    assert french_number(12345) == "12\u202f345"
    assert french_number(12.5, 1) == "12,5"
    assert cell_text(Cell(value=0.125), Unit.RATE) == "12,5\u202f%"
    assert cell_text(Cell(value=None, suppressed=True)) == "masqué"
    assert cell_text(Cell(value=None)) == "—"
    assert cell_text(Cell(value=1.0), Unit.DAYS) == "1\u202fjour"
    assert cell_text(Cell(value=4.3), Unit.SCORE) == "4,3 sur 5"
    assert change_text(0.1234) == "+12\u202f%"
    assert change_text(-0.051) == "\u22125,1\u202f%"
    assert change_text(0.0001) == "stable"
    assert change_text(None) == "—"

"""A dashboard's charts as accessible SVG, drawn by matplotlib's SVG backend without pyplot."""
# No pyplot and no `matplotlib.use`: each chart is a bare Figure saved as SVG, so no backend or
# figure registry is shared. The style (and the hash salt that makes the SVG's ids reproducible)
# is matplotlib's global rcParams, set for the length of one render under a lock: renders run in
# worker threads, and a concurrent render restoring rcParams would otherwise unsettle another.

from __future__ import annotations

import io
import math
import re
import textwrap
import threading
from collections.abc import Callable
from typing import Any, Final

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.typing import RcKeyType

from reporting.domain.charts import (
    CATEGORY_AXES,
    CHART_HEADINGS,
    CHART_TITLES,
    EMPTY_NOTE,
    GAP_NOTE,
    SUPPRESSED_NOTE,
    VALUE_AXES,
    ChartName,
    bar_cells,
    bar_legend,
    describe,
    subtitle,
    tick_labels,
)
from reporting.domain.dashboard import Cell, Dashboard
from reporting.domain.display import NOT_COMPUTABLE, SUPPRESSED, french_number

#: Okabe and Ito's colour-blind-safe palette, keeping the hues at 3:1 or more against white.
PALETTE: Final = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")
#: Lines also differ by marker and dash, so no series is told by colour alone.
MARKERS: Final = ("o", "s", "^", "D")
DASHES: Final = ("-", "--", "-.", ":")
INK: Final = "#1A1A1A"
MUTED: Final = "#555555"
GRID: Final = "#D9D9D9"
#: About 390 units wide: at a phone's 390 px the text is drawn at its own size.
WIDTH_INCHES: Final = 5.4
SALT: Final = "jalon"
#: An axis with nothing above 0 still spans a few units, so its ticks read 0, 1, 2…
MINIMUM_AXIS: Final = 5.0
STYLE: Final[dict[RcKeyType, Any]] = {
    "svg.hashsalt": SALT,
    # Text stays text: selectable, read by screen readers, and a fraction of the size of paths.
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial"],
    "font.size": 11,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10.5,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": MUTED,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "grid.color": GRID,
    "grid.linewidth": 0.6,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
}
_SVG_TAG: Final = re.compile(r"<svg\b[^>]*>")
_SIZE_ATTRIBUTE: Final = re.compile(r'\s(?:width|height)="[^"]*"')
_RENDER_LOCK: Final = threading.Lock()


def render_chart(dashboard: Dashboard, chart: ChartName) -> bytes:
    """Return a chart of the dashboard as SVG, sized by its viewBox, with a title and desc."""
    with _RENDER_LOCK, mpl.rc_context(STYLE):
        figure = _DRAW[chart](dashboard)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return _accessible(
        buffer.getvalue().decode(), chart, CHART_TITLES[chart], describe(dashboard, chart)
    ).encode()


def _accessible(svg: str, chart: ChartName, title: str, description: str) -> str:
    """Drop the fixed size (the viewBox keeps the shape) and name the image for assistive tech."""
    found = _SVG_TAG.search(svg)
    if found is None:  # pragma: no cover - matplotlib always writes one
        raise ValueError("no svg element")
    prefix = f"jalon-chart-{chart.value}"
    tag = _SIZE_ATTRIBUTE.sub("", found.group(0))
    tag = f'{tag[:-1]} role="img" aria-labelledby="{prefix}-title {prefix}-desc">'
    named = (
        f'{tag}\n <title id="{prefix}-title">{_escape(title)}</title>'
        f'\n <desc id="{prefix}-desc">{_escape(description)}</desc>'
    )
    return svg[: found.start()] + named + svg[found.end() :]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _figure(dashboard: Dashboard, chart: ChartName, height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(WIDTH_INCHES, height), layout="constrained")
    axes = figure.add_subplot()
    figure.suptitle(CHART_HEADINGS[chart], x=0.02, ha="left", fontweight="bold", fontsize=12.5)
    axes.set_title(subtitle(dashboard, chart), loc="left", color=MUTED)
    return figure, axes


def _count_axis(axes: Axes, *, horizontal: bool = False) -> None:
    axis = axes.xaxis if horizontal else axes.yaxis
    axis.set_major_locator(MaxNLocator(nbins=5, integer=True, min_n_ticks=2))
    axis.set_major_formatter(FuncFormatter(lambda value, _: french_number(value)))
    axes.grid(axis="x" if horizontal else "y")


def _empty(axes: Axes) -> None:
    axes.text(0.5, 0.5, EMPTY_NOTE, transform=axes.transAxes, ha="center", va="center")
    axes.set_xticks([])
    axes.set_yticks([])
    for side in ("left", "bottom"):
        axes.spines[side].set_visible(False)


def _note(figure: Figure, text: str) -> None:
    figure.supxlabel(text, x=0.02, ha="left", fontsize=9.5, color=MUTED)


def _value(cell: Cell) -> float:
    return math.nan if cell.value is None else cell.value


def _activity(dashboard: Dashboard) -> Figure:
    figure, axes = _figure(dashboard, ChartName.ACTIVITY, 4.1)
    series = [s for s in dashboard.series if s.points]
    if not series:
        _empty(axes)
        return figure
    keys = [p.period for p in series[0].points]
    positions = range(len(keys))
    for index, line in enumerate(series):
        axes.plot(
            positions,
            [_value(p.cell) for p in line.points],
            color=PALETTE[index % len(PALETTE)],
            marker=MARKERS[index % len(MARKERS)],
            linestyle=DASHES[index % len(DASHES)],
            linewidth=2,
            markersize=5,
            label=line.label,
        )
    axes.set_xticks(list(positions), tick_labels(dashboard.period.kind, keys))
    axes.set_xlim(-0.4, len(keys) - 0.6)
    top = max((p.cell.value or 0.0 for s in series for p in s.points), default=0.0)
    axes.set_ylim(0, _headroom(top, 1.08))
    axes.set_ylabel(VALUE_AXES[ChartName.ACTIVITY])
    _count_axis(axes)
    figure.legend(loc="outside lower center", ncols=2, frameon=False, handlelength=2.6)
    if any(p.cell.suppressed for s in series for p in s.points):
        # Under the periods, above the legend: the months say what the axis is already.
        axes.set_xlabel(
            GAP_NOTE.format(threshold=dashboard.threshold), loc="left", fontsize=9.5, color=MUTED
        )
    return figure


def _headroom(top: float, factor: float) -> float:
    """Return the axis' end: room above the highest value, and a few units when all are 0."""
    return max(top * factor, MINIMUM_AXIS)


def _wrap(label: str, width: int) -> str:
    return "\n".join(textwrap.wrap(label, width=width, break_long_words=False)) or label


def _hidden_text(cell: Cell) -> str:
    return SUPPRESSED if cell.suppressed else NOT_COMPUTABLE


def _columns(
    dashboard: Dashboard,
    chart: ChartName,
    height: float,
    label: Callable[[str], str],
) -> Figure:
    """Draw vertical bars, one per column of each category side by side."""
    figure, axes = _figure(dashboard, chart, height)
    rows = bar_cells(dashboard, chart)
    if not rows:
        _empty(axes)
        return figure
    names = bar_legend(dashboard, chart)
    width = 0.8 / len(names)
    top = max((c.value or 0.0 for _, cells in rows for c in cells), default=0.0)
    end = _headroom(top, 1.15)
    hidden = False
    for j, name in enumerate(names):
        colour = PALETTE[j % len(PALETTE)]
        for i, (_, cells) in enumerate(rows):
            cell = cells[j]
            x = i + (j - (len(names) - 1) / 2) * width
            if cell.value is None:
                hidden = hidden or cell.suppressed
                axes.text(
                    x,
                    end * 0.02,
                    _hidden_text(cell),
                    rotation=90 if len(names) > 1 else 0,
                    ha="center",
                    va="bottom",
                    fontsize=9.5,
                    fontstyle="italic",
                    color=MUTED,
                )
                continue
            axes.bar(x, cell.value, width * 0.92, color=colour, label=name)
            axes.text(
                x,
                cell.value + end * 0.012,
                french_number(cell.value),
                ha="center",
                va="bottom",
            )
    axes.set_xticks(range(len(rows)), [label(text) for text, _ in rows])
    axes.set_xlim(-0.6, len(rows) - 0.4)
    axes.set_ylim(0, end)
    axes.set_ylabel(VALUE_AXES[chart])
    axes.set_xlabel(CATEGORY_AXES[chart])
    _count_axis(axes)
    if len(names) > 1:
        handles = [Patch(color=PALETTE[j % len(PALETTE)], label=n) for j, n in enumerate(names)]
        axes.legend(handles=handles, loc="upper right", frameon=False)
    if hidden:
        _note(figure, SUPPRESSED_NOTE.format(threshold=dashboard.threshold))
    return figure


def _modalities(dashboard: Dashboard) -> Figure:
    return _columns(dashboard, ChartName.MODALITIES, 3.8, lambda text: _wrap(text, 12))


def _satisfaction(dashboard: Dashboard) -> Figure:
    def label(text: str) -> str:
        # « 4 · Satisfait »: the score on its own line, its words wrapped under it.
        score, _, words = text.partition(" · ")
        return f"{score}\n{_wrap(words, 12)}" if words else text

    return _columns(dashboard, ChartName.SATISFACTION, 3.9, label)


def _sites(dashboard: Dashboard) -> Figure:
    rows = bar_cells(dashboard, ChartName.SITES)
    figure, axes = _figure(dashboard, ChartName.SITES, min(8.0, 1.9 + 0.42 * max(len(rows), 2)))
    if not rows:
        _empty(axes)
        return figure
    cells = [cell for _, (cell, *_) in rows]
    top = max((c.value or 0.0 for c in cells), default=0.0)
    end = _headroom(top, 1.18)
    hidden = False
    for i, cell in enumerate(cells):
        if cell.value is None:
            hidden = hidden or cell.suppressed
            axes.text(
                end * 0.01,
                i,
                _hidden_text(cell),
                va="center",
                ha="left",
                fontsize=9.5,
                fontstyle="italic",
                color=MUTED,
            )
            continue
        axes.barh(i, cell.value, 0.62, color=PALETTE[0])
        axes.text(cell.value + end * 0.012, i, french_number(cell.value), va="center")
    axes.set_yticks(range(len(rows)), [_wrap(label, 22) for label, _ in rows])
    axes.set_ylim(len(rows) - 0.5, -0.5)
    axes.set_xlim(0, end)
    axes.set_xlabel(VALUE_AXES[ChartName.SITES])
    _count_axis(axes, horizontal=True)
    if hidden:
        _note(figure, SUPPRESSED_NOTE.format(threshold=dashboard.threshold))
    return figure


_DRAW: Final[dict[ChartName, Callable[[Dashboard], Figure]]] = {
    ChartName.ACTIVITY: _activity,
    ChartName.MODALITIES: _modalities,
    ChartName.SITES: _sites,
    ChartName.SATISFACTION: _satisfaction,
}

"""The charts of a dashboard: their names, French titles, axis labels and text alternatives."""

from __future__ import annotations

from enum import StrEnum

from jalon_shared.french_dates import SHORT_MONTHS
from jalon_shared.periods import PeriodKind
from reporting.domain.dashboard import Breakdown, Cell, Dashboard
from reporting.domain.display import cell_text
from reporting.domain.labels import CSP, LEVELS, MODALITIES


class ChartName(StrEnum):
    """A chart reporting draws."""

    ACTIVITY = "activity"
    MODALITIES = "modalities"
    SITES = "sites"
    SATISFACTION = "satisfaction"


#: Each chart's French title, also its text alternative (the SVG's <title>, an <img>'s alt).
CHART_TITLES: dict[ChartName, str] = {
    ChartName.ACTIVITY: "Évolution de l'activité : demandes, rendez-vous tenus et échanges",
    ChartName.MODALITIES: "Rendez-vous planifiés et tenus par modalité",
    ChartName.SITES: "Demandes reçues par lieu d'accueil",
    ChartName.SATISFACTION: "Satisfaction en fin de niveau : réponses par note",
}

#: The shorter heading drawn on the chart itself, above the period.
CHART_HEADINGS: dict[ChartName, str] = {
    ChartName.ACTIVITY: "Évolution de l'activité",
    ChartName.MODALITIES: "Rendez-vous par modalité",
    ChartName.SITES: "Demandes par lieu d'accueil",
    ChartName.SATISFACTION: "Satisfaction en fin de niveau",
}

#: Which breakdown, and which of its columns, each bar chart draws.
BAR_SOURCES: dict[ChartName, tuple[str, tuple[str, ...]]] = {
    ChartName.MODALITIES: ("by_modality", ("planned", "held")),
    ChartName.SITES: ("by_site", ("requests",)),
    ChartName.SATISFACTION: ("satisfaction_scores", ("answers",)),
}

VALUE_AXES: dict[ChartName, str] = {
    ChartName.ACTIVITY: "Nombre",
    ChartName.MODALITIES: "Rendez-vous",
    ChartName.SITES: "Demandes reçues",
    ChartName.SATISFACTION: "Réponses",
}

CATEGORY_AXES: dict[ChartName, str] = {
    ChartName.ACTIVITY: "Période",
    ChartName.MODALITIES: "Modalité",
    ChartName.SITES: "Lieu d'accueil",
    ChartName.SATISFACTION: "Note (de 1 à 5)",
}

TRAILING_NAMES: dict[PeriodKind, str] = {
    PeriodKind.WEEK: "dernières semaines",
    PeriodKind.MONTH: "derniers mois",
    PeriodKind.QUARTER: "derniers trimestres",
}

#: Notes under a chart with hidden cells, filled with the dashboard's threshold.
SUPPRESSED_NOTE = (
    "« masqué » : moins de {threshold} personnes, ou case qui permettrait de les retrouver."
)
GAP_NOTE = "Ligne interrompue : point masqué (moins de {threshold} personnes)."
EMPTY_NOTE = "Aucune donnée pour cette période."


def tick_label(kind: PeriodKind, key: str, *, with_year: bool) -> str:
    """Return a period's short axis label: « nov. », « janv.\\n2027 », « S47 », « T4\\n2026 »."""
    year, _, rest = key.partition("-")
    if kind is PeriodKind.WEEK:
        label = f"S{rest.removeprefix('W')}"
    elif kind is PeriodKind.QUARTER:
        return f"T{rest.removeprefix('Q')}\n{year}"
    else:
        label = SHORT_MONTHS[int(rest) - 1]
    return f"{label}\n{year}" if with_year else label


def tick_labels(kind: PeriodKind, keys: list[str]) -> list[str]:
    """Return the axis labels of consecutive periods, the year shown where it starts or changes."""
    labels = []
    previous_year = ""
    for key in keys:
        year = key.partition("-")[0]
        labels.append(tick_label(kind, key, with_year=year != previous_year))
        previous_year = year
    return labels


def find_breakdown(dashboard: Dashboard, code: str) -> Breakdown | None:
    """Return the dashboard's breakdown of a code, if it has one."""
    return next((b for b in dashboard.breakdowns if b.code == code), None)


def bar_cells(dashboard: Dashboard, chart: ChartName) -> list[tuple[str, list[Cell]]]:
    """Return each category's label and the cells a bar chart draws for it, in table order."""
    code, columns = BAR_SOURCES[chart]
    table = find_breakdown(dashboard, code)
    if table is None:
        return []
    indexes = [table.columns.index(c) for c in columns if c in table.columns]
    return [(row.label, [row.cells[i] for i in indexes]) for row in table.rows]


def bar_legend(dashboard: Dashboard, chart: ChartName) -> list[str]:
    """Return the French names of the columns a bar chart draws (its legend)."""
    code, columns = BAR_SOURCES[chart]
    table = find_breakdown(dashboard, code)
    if table is None:
        return []
    return [table.column_labels[table.columns.index(c)] for c in columns if c in table.columns]


def filters_text(dashboard: Dashboard) -> str:
    """Return the filters a dashboard was computed with, in French, or "" when there are none."""
    filters = dashboard.filters
    parts = []
    if filters.site is not None:
        sites = find_breakdown(dashboard, "by_site")
        labels = {r.code: r.label for r in sites.rows} if sites is not None else {}
        parts.append(f"lieu : {labels.get(filters.site, filters.site)}")
    if filters.level is not None:
        parts.append(f"niveau : {LEVELS.get(filters.level, filters.level)}")
    if filters.modality is not None:
        parts.append(f"modalité : {MODALITIES.get(filters.modality, filters.modality)}")
    if filters.csp is not None:
        parts.append(f"CSP : {CSP.get(filters.csp, filters.csp)}")
    return " · ".join(parts)


def subtitle(dashboard: Dashboard, chart: ChartName) -> str:
    """Return the line under a chart's heading: its period (or span) and any filters."""
    if chart is ChartName.ACTIVITY:
        count = max((len(s.points) for s in dashboard.series), default=0)
        span = f"{count} {TRAILING_NAMES[dashboard.period.kind]}, jusqu'à {dashboard.period.label}"
    else:
        span = dashboard.period.label
    chosen = filters_text(dashboard)
    return f"{span} · {chosen}" if chosen else span


def describe(dashboard: Dashboard, chart: ChartName) -> str:
    """Return the chart's figures in words: the long text alternative (the SVG's <desc>)."""
    head = f"{CHART_TITLES[chart]}, {subtitle(dashboard, chart)}."
    if chart is ChartName.ACTIVITY:
        if not dashboard.series or not dashboard.series[0].points:
            return f"{head} {EMPTY_NOTE}"
        last = dashboard.period.label
        figures = " ; ".join(
            f"{s.label.lower()} : {cell_text(s.points[-1].cell)}"
            for s in dashboard.series
            if s.points
        )
        hidden = sum(p.cell.suppressed for s in dashboard.series for p in s.points)
        tail = (
            f" {hidden} points masqués (moins de {dashboard.threshold} personnes)."
            if hidden
            else ""
        )
        return f"{head} En {last} : {figures}.{tail}"
    rows = bar_cells(dashboard, chart)
    if not rows:
        return f"{head} {EMPTY_NOTE}"
    legend = [name.lower() for name in bar_legend(dashboard, chart)]
    figures = " ; ".join(
        f"{label} : "
        + ", ".join(f"{name} {cell_text(c)}" for name, c in zip(legend, cells, strict=True))
        for label, cells in rows
    )
    return f"{head} {figures}."

"""Indicators computed from a region's period documents: totals, rates, medians, suppressed.

Input is the counters only (a few documents per period), never raw facts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reporting.domain.counters import NA, split_cell
from reporting.domain.dashboard import (
    Breakdown,
    BreakdownRow,
    Cell,
    Dashboard,
    Filter,
    Filters,
    Indicator,
    Period,
    Point,
    Series,
    Unit,
)
from reporting.domain.labels import CLOSE_REASONS, CSP, LEVELS, MODALITIES, SCORES, SITUATIONS
from reporting.domain.suppression import THRESHOLD, primary, protect

#: Period documents' cells: cell key -> {"n": {metric: count}, "h": {metric: {bucket: count}}}.
Cells = Mapping[str, Mapping[str, Any]]

DIMENSION_INDEX = {"site": 0, "level": 1, "modality": 2, "csp": 3}
MODALITY_CODES = ("face_to_face", "phone", "video", "asynchronous")


@dataclass
class Totals:
    """Summed counts and histograms of the cells a filter keeps."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    buckets: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )

    def n(self, metric: str) -> int:
        """Return a metric's count."""
        return self.counts.get(metric, 0)

    def add(self, cell: Mapping[str, Any]) -> None:
        """Add one cell's counters."""
        for metric, value in cell.get("n", {}).items():
            self.counts[metric] += int(value)
        for metric, slots in cell.get("h", {}).items():
            target = self.buckets[metric]
            for bucket, value in slots.items():
                target[int(bucket)] += int(value)


#: Which filters a view drops: a fact with no modality ignores the modality filter, and so on.
VARIANTS: dict[str, frozenset[Filter]] = {
    "all": frozenset(),
    "no_modality": frozenset({Filter.MODALITY}),
    "no_person": frozenset({Filter.LEVEL, Filter.CSP}),
}


@dataclass
class Aggregate:
    """A period's totals under the filters (and their variants), and per category."""

    totals: dict[str, Totals] = field(default_factory=lambda: defaultdict(Totals))
    #: variant -> dimension -> category -> totals.
    by: dict[str, dict[str, dict[str, Totals]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(Totals)))
    )


def _keeps(parts: Sequence[str], filters: Filters, ignore: frozenset[Filter]) -> bool:
    wanted = (
        (Filter.SITE, filters.site),
        (Filter.LEVEL, filters.level),
        (Filter.MODALITY, filters.modality),
        (Filter.CSP, filters.csp),
    )
    for name, value in wanted:
        if value is not None and name not in ignore and parts[DIMENSION_INDEX[name]] != value:
            return False
    return True


def aggregate(
    documents: Iterable[Cells], filters: Filters, *, breakdowns: bool = True
) -> Aggregate:
    """Sum the cells of a period's documents under the filters and their variants.

    Breakdowns by category are summed only when asked: a trend's older periods need totals.
    """
    result = Aggregate()
    for cells in documents:
        for key, cell in cells.items():
            parts = split_cell(key)
            for variant, ignore in VARIANTS.items():
                if not _keeps(parts, filters, ignore):
                    continue
                result.totals[variant].add(cell)
                if not breakdowns or variant == "no_person":
                    continue
                for dimension, index in DIMENSION_INDEX.items():
                    result.by[variant][dimension][parts[index]].add(cell)
    return result


def nearest_rank(histogram: Mapping[int, int], fraction: float) -> int | None:
    """Return the nearest-rank percentile of a histogram of whole numbers (None when empty)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)  # pragma: no cover


# Indicator definitions ------------------------------------------------------------------------

#: (value, people it is computed from, hidden): the base decides suppression.
Figure = tuple[float | None, bool]
Compute = Callable[[Totals], Figure]


def _count(metric: str | Sequence[str]) -> Compute:
    metrics = (metric,) if isinstance(metric, str) else tuple(metric)

    def compute(t: Totals) -> Figure:
        value = sum(t.n(m) for m in metrics)
        return float(value), primary(value)

    return compute


def _rate(numerator: Sequence[str], denominator: Sequence[str]) -> Compute:
    def compute(t: Totals) -> Figure:
        num = sum(t.n(m) for m in numerator)
        den = sum(t.n(m) for m in denominator)
        if den == 0:
            return None, False
        # The rate would give away the numerator, or what is left of the base, if either is small.
        hidden = primary(num) or primary(den) or primary(den - num)
        return num / den, hidden

    return compute


def _mean(total: str, count: str, scale: float = 1.0) -> Compute:
    def compute(t: Totals) -> Figure:
        n = t.n(count)
        if n == 0:
            return None, False
        return round(t.n(total) / n / scale, 1), primary(n)

    return compute


def _percentile(metric: str, fraction: float) -> Compute:
    def compute(t: Totals) -> Figure:
        histogram = t.buckets.get(metric, {})
        n = sum(histogram.values())
        value = nearest_rank(histogram, fraction)
        return (None if value is None else float(value)), primary(n)

    return compute


@dataclass(frozen=True, slots=True)
class Definition:
    """One headline indicator: how it is computed and which view of the counters it reads."""

    code: str
    group: str
    label: str
    unit: Unit
    compute: Compute
    variant: str = "all"


_DEMANDS = "Demandes et bénéficiaires"
_APPOINTMENTS = "Rendez-vous"
_EXCHANGES = "Échanges"
_SESSIONS = "Séances à distance"
_ACCESS = "Délai d'accès"
_REMOTE = "Passage à distance"
_SUMMARIES = "Synthèses"
_CLOSURES = "Clôtures"
_MEETINGS = "Réunions d'information"
_SATISFACTION = "Satisfaction"

ASYNC = ("messages", "tasks_assigned", "tasks_completed")
SYNC = ("appointments_held", "calls_reached")
SIGNATURE_ENDS = ("summaries_signed", "summaries_declined", "summaries_expired")
C, R = Unit.COUNT, Unit.RATE

DEFINITIONS: tuple[Definition, ...] = (
    Definition("requests", _DEMANDS, "Demandes reçues", C, _count("requests"), "no_modality"),
    Definition(
        "cases_opened",
        _DEMANDS,
        "Nouveaux bénéficiaires accompagnés",
        C,
        _count("cases_opened"),
        "no_modality",
    ),
    Definition(
        "cases_first_time",
        _DEMANDS,
        "dont premier accompagnement",
        C,
        lambda t: _count_value(t.n("cases_opened") - t.n("cases_returning")),
        "no_modality",
    ),
    Definition(
        "cases_returning",
        _DEMANDS,
        "dont retour après un premier accompagnement",
        C,
        _count("cases_returning"),
        "no_modality",
    ),
    Definition(
        "appointments_planned",
        _APPOINTMENTS,
        "Rendez-vous planifiés",
        C,
        _count("appointments_planned"),
    ),
    Definition(
        "appointments_held", _APPOINTMENTS, "Rendez-vous tenus", C, _count("appointments_held")
    ),
    Definition(
        "appointments_no_show",
        _APPOINTMENTS,
        "Absences",
        C,
        _count("appointments_no_show"),
    ),
    Definition(
        "no_show_rate",
        _APPOINTMENTS,
        "Taux d'absence (sur les rendez-vous passés)",
        R,
        _rate(["appointments_no_show"], ["appointments_held", "appointments_no_show"]),
    ),
    Definition(
        "appointments_cancelled",
        _APPOINTMENTS,
        "Rendez-vous annulés",
        C,
        _count("appointments_cancelled"),
    ),
    Definition(
        "sync_exchanges",
        _EXCHANGES,
        "Échanges synchrones (rendez-vous tenus, appels aboutis)",
        C,
        _count(SYNC),
    ),
    Definition(
        "async_exchanges",
        _EXCHANGES,
        "Échanges asynchrones (messages, tâches)",
        C,
        _count(ASYNC),
    ),
    Definition("async_share", _EXCHANGES, "Part de l'asynchrone", R, _rate(ASYNC, (*ASYNC, *SYNC))),
    Definition("messages", _EXCHANGES, "Messages échangés", C, _count("messages")),
    Definition("tasks_assigned", _EXCHANGES, "Tâches confiées", C, _count("tasks_assigned")),
    Definition("tasks_completed", _EXCHANGES, "Tâches réalisées", C, _count("tasks_completed")),
    Definition("sessions", _SESSIONS, "Séances en visio ou au téléphone", C, _count("sessions")),
    Definition(
        "session_mean_minutes",
        _SESSIONS,
        "Durée moyenne d'une séance",
        Unit.MINUTES,
        _mean("session_seconds_sum", "sessions", 60.0),
    ),
    Definition(
        "session_median_minutes",
        _SESSIONS,
        "Durée médiane d'une séance",
        Unit.MINUTES,
        _percentile("session_minutes", 0.5),
    ),
    Definition(
        "first_appointment_median_days",
        _ACCESS,
        "Délai médian entre la demande et le premier rendez-vous",
        Unit.DAYS,
        _percentile("first_appointment_days", 0.5),
    ),
    Definition(
        "first_appointment_p90_days",
        _ACCESS,
        "Délai sous lequel 90 % des premiers rendez-vous ont eu lieu",
        Unit.DAYS,
        _percentile("first_appointment_days", 0.9),
    ),
    Definition(
        "requalifications_proposed",
        _REMOTE,
        "Passages à distance proposés",
        C,
        _count("requalifications_proposed"),
    ),
    Definition(
        "requalifications_accepted",
        _REMOTE,
        "Passages à distance acceptés",
        C,
        _count("requalifications_accepted"),
    ),
    Definition(
        "requalification_consent_rate",
        _REMOTE,
        "Taux de consentement",
        R,
        _rate(["requalifications_accepted"], ["requalifications_proposed"]),
    ),
    Definition(
        "summaries_submitted",
        _SUMMARIES,
        "Synthèses envoyées pour signature",
        C,
        _count("summaries_submitted"),
        "no_modality",
    ),
    Definition(
        "summaries_signed",
        _SUMMARIES,
        "Synthèses signées",
        C,
        _count("summaries_signed"),
        "no_modality",
    ),
    Definition(
        "signature_rate",
        _SUMMARIES,
        "Taux de signature (signées sur synthèses closes)",
        R,
        _rate(["summaries_signed"], SIGNATURE_ENDS),
        "no_modality",
    ),
    Definition(
        "signature_median_hours",
        _SUMMARIES,
        "Délai médian de signature",
        Unit.HOURS,
        _percentile("signature_hours", 0.5),
        "no_modality",
    ),
    Definition(
        "cases_closed", _CLOSURES, "Dossiers clos", C, _count("cases_closed"), "no_modality"
    ),
    Definition(
        "path_median_days",
        _CLOSURES,
        "Durée médiane du parcours",
        Unit.DAYS,
        _percentile("path_days", 0.5),
        "no_modality",
    ),
    Definition(
        "path_mean_days",
        _CLOSURES,
        "Durée moyenne du parcours",
        Unit.DAYS,
        _mean("path_days_sum", "cases_closed"),
        "no_modality",
    ),
    Definition(
        "collective_held",
        _MEETINGS,
        "Réunions tenues",
        C,
        lambda t: (float(t.n("collective_held")), False),
        "no_person",
    ),
    Definition(
        "collective_attended",
        _MEETINGS,
        "Participants présents",
        C,
        _count("collective_attended"),
        "no_person",
    ),
    Definition(
        "collective_attendance_rate",
        _MEETINGS,
        "Taux de présence",
        R,
        _rate(["collective_attended"], ["collective_attended", "collective_absent"]),
        "no_person",
    ),
    Definition(
        "surveys_offered",
        _SATISFACTION,
        "Enquêtes de fin de niveau proposées",
        C,
        _count("surveys_offered"),
        "no_modality",
    ),
    Definition(
        "survey_answers",
        _SATISFACTION,
        "Réponses à l'enquête de fin de niveau",
        C,
        _count("survey_answers"),
        "no_modality",
    ),
    Definition(
        "satisfaction_mean",
        _SATISFACTION,
        "Satisfaction moyenne (sur 5)",
        Unit.SCORE,
        _mean("satisfaction_sum", "satisfaction_answers"),
        "no_modality",
    ),
    Definition(
        "satisfied_rate",
        _SATISFACTION,
        "Part de satisfaits (4 ou 5 sur 5)",
        R,
        lambda t: _histogram_rate(t, "satisfaction", {4, 5}),
        "no_modality",
    ),
    Definition(
        "recommend_rate",
        _SATISFACTION,
        "Recommanderaient le service",
        R,
        _rate(["recommend_yes"], ["recommend_answers"]),
        "no_modality",
    ),
    Definition(
        "follow_up_answers",
        _SATISFACTION,
        "Réponses au suivi à 6 mois",
        C,
        _count("follow_up_answers"),
        "no_modality",
    ),
)

#: Headline counts shown with parts that add up to them: protected together.
HEADLINE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cases_opened", ("cases_first_time", "cases_returning")),
    ("async_exchanges", ("messages", "tasks_assigned", "tasks_completed")),
)

#: Filters each view of the counters does not apply.
IGNORED: dict[str, tuple[Filter, ...]] = {
    "all": (),
    "no_modality": (Filter.MODALITY,),
    "no_person": (Filter.LEVEL, Filter.CSP),
}


def _count_value(value: int) -> Figure:
    return float(value), primary(value)


def _histogram_rate(t: Totals, metric: str, hits: set[int]) -> Figure:
    histogram = t.buckets.get(metric, {})
    den = sum(histogram.values())
    if den == 0:
        return None, False
    num = sum(n for value, n in histogram.items() if value in hits)
    return num / den, primary(num) or primary(den) or primary(den - num)


def _figures(totals: Mapping[str, Totals]) -> dict[str, Cell]:
    """Compute every headline figure of a period, with complementary suppression."""
    raw: dict[str, Figure] = {d.code: d.compute(totals[d.variant]) for d in DEFINITIONS}
    hidden = {code: figure[1] for code, figure in raw.items()}
    for total, parts in HEADLINE_GROUPS:
        values = [int(raw[p][0] or 0) for p in parts]
        total_hidden, parts_hidden = protect(int(raw[total][0] or 0), values)
        hidden[total] = hidden[total] or total_hidden
        for part, part_hidden in zip(parts, parts_hidden, strict=True):
            hidden[part] = hidden[part] or part_hidden
    return {
        code: Cell(value=None, suppressed=True) if hidden[code] else Cell(value=value)
        for code, (value, _) in raw.items()
    }


def _change(current: Cell, previous: Cell) -> float | None:
    if current.value is None or previous.value is None or previous.value == 0:
        return None
    return round((current.value - previous.value) / previous.value, 4)


# Breakdowns -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a breakdown: its metrics summed, and the view it reads."""

    code: str
    label: str
    metrics: tuple[str, ...]
    variant: str = "all"


def _table(
    code: str,
    label: str,
    dimension: str,
    columns: Sequence[Column],
    rows: Sequence[tuple[str, str]],
    values: Callable[[Column, str], int],
    totals: Callable[[Column], int],
    ignores: tuple[Filter, ...] = (),
) -> Breakdown:
    """Build a breakdown, each column protected against subtraction from its total."""
    grid: list[list[Cell]] = [[] for _ in rows]
    total_cells: list[Cell] = []
    for column in columns:
        parts = [values(column, row_code) for row_code, _ in rows]
        total = totals(column)
        total_hidden, hidden = protect(total, parts)
        for index, part in enumerate(parts):
            grid[index].append(
                Cell(value=None, suppressed=True) if hidden[index] else Cell(value=float(part))
            )
        total_cells.append(
            Cell(value=None, suppressed=True) if total_hidden else Cell(value=float(total))
        )
    return Breakdown(
        code=code,
        label=label,
        dimension=dimension,
        columns=tuple(c.code for c in columns),
        column_labels=tuple(c.label for c in columns),
        rows=tuple(
            BreakdownRow(code=row_code, label=row_label, cells=tuple(grid[i]))
            for i, (row_code, row_label) in enumerate(rows)
        ),
        total=BreakdownRow(code="total", label="Total", cells=tuple(total_cells)),
        ignores=ignores,
    )


def _dimension_table(
    agg: Aggregate,
    code: str,
    label: str,
    dimension: str,
    columns: Sequence[Column],
    labels: Mapping[str, str],
) -> Breakdown:
    seen = {
        category
        for column in columns
        for category in agg.by[column.variant][dimension]
        if category != NA
    }
    order = [c for c in labels if c in seen] + sorted(seen - set(labels))
    rows = [(c, labels.get(c, c)) for c in order]

    def value(column: Column, category: str) -> int:
        totals = agg.by[column.variant][dimension].get(category)
        return 0 if totals is None else sum(totals.n(m) for m in column.metrics)

    def total(column: Column) -> int:
        # The categories' sum, not the view's total: facts with no value here (NA) are left out.
        return sum(value(column, category) for category, _ in rows)

    return _table(code, label, dimension, columns, rows, value, total)


def _metric_table(
    totals: Totals,
    code: str,
    label: str,
    dimension: str,
    column: Column,
    rows: Sequence[tuple[str, str]],
    metric_of: Callable[[str], tuple[str, int | None]],
    ignores: tuple[Filter, ...],
) -> Breakdown:
    def value(_: Column, category: str) -> int:
        metric, bucket = metric_of(category)
        if bucket is None:
            return totals.n(metric)
        return totals.buckets.get(metric, {}).get(bucket, 0)

    def total(_: Column) -> int:
        return sum(value(column, c) for c, _ in rows)

    return _table(code, label, dimension, [column], rows, value, total, ignores)


def breakdowns(agg: Aggregate, site_labels: Mapping[str, str]) -> tuple[Breakdown, ...]:
    """Return the period's tables."""
    requests = Column("requests", "Demandes", ("requests",), "no_modality")
    opened = Column("cases_opened", "Nouveaux bénéficiaires", ("cases_opened",), "no_modality")
    closed = Column("cases_closed", "Dossiers clos", ("cases_closed",), "no_modality")
    held = Column("appointments_held", "Rendez-vous tenus", ("appointments_held",))
    no_modality = agg.totals["no_modality"]
    return (
        _dimension_table(
            agg, "by_site", "Par lieu d'accueil", "site", [requests, opened, held], site_labels
        ),
        _dimension_table(
            agg,
            "by_modality",
            "Par modalité",
            "modality",
            [
                Column("planned", "Planifiés", ("appointments_planned",)),
                Column("held", "Tenus", ("appointments_held",)),
                Column("no_show", "Absences", ("appointments_no_show",)),
                Column("cancelled", "Annulés", ("appointments_cancelled",)),
                Column("exchanges", "Échanges", (*SYNC, *ASYNC)),
            ],
            {code: MODALITIES[code] for code in MODALITY_CODES},
        ),
        _dimension_table(
            agg, "by_level", "Par niveau de service", "level", [requests, opened, closed], LEVELS
        ),
        _dimension_table(
            agg,
            "by_csp",
            "Par catégorie socio-professionnelle",
            "csp",
            [requests, opened],
            CSP,
        ),
        _metric_table(
            no_modality,
            "closures_by_reason",
            "Clôtures par motif",
            "close_reason",
            Column("cases_closed", "Dossiers clos", ()),
            list(CLOSE_REASONS.items()),
            lambda reason: (f"closed_{reason}", None),
            (Filter.MODALITY,),
        ),
        _metric_table(
            no_modality,
            "satisfaction_scores",
            "Satisfaction en fin de niveau",
            "score",
            Column("answers", "Réponses", ()),
            list(SCORES.items()),
            lambda score: ("satisfaction", int(score)),
            (Filter.MODALITY,),
        ),
        _metric_table(
            no_modality,
            "follow_up_situation",
            "Situation six mois après le parcours",
            "situation",
            Column("answers", "Réponses", ()),
            list(SITUATIONS.items()),
            lambda situation: (f"situation_{situation}", None),
            (Filter.MODALITY,),
        ),
    )


SERIES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("requests", "Demandes reçues", ("requests",), "no_modality"),
    ("appointments_held", "Rendez-vous tenus", ("appointments_held",), "all"),
    ("sync_exchanges", "Échanges synchrones", SYNC, "all"),
    ("async_exchanges", "Échanges asynchrones", ASYNC, "all"),
)


def dashboard(
    region: str,
    periods: Sequence[Period],
    documents: Mapping[str, Sequence[Cells]],
    filters: Filters,
    site_labels: Mapping[str, str],
) -> Dashboard:
    """Build the dashboard of the last period given, from each period's documents (by key)."""
    current, previous = periods[-1], periods[-2]
    aggregates = {
        p.key: aggregate(documents.get(p.key, ()), filters, breakdowns=p.key == current.key)
        for p in periods
    }
    now = _figures(aggregates[current.key].totals)
    before = _figures(aggregates[previous.key].totals)
    by_code = {d.code: d for d in DEFINITIONS}
    indicators = tuple(
        Indicator(
            code=code,
            group=by_code[code].group,
            label=by_code[code].label,
            unit=by_code[code].unit,
            current=cell,
            previous=before[code],
            change=_change(cell, before[code]),
            ignores=IGNORED[by_code[code].variant],
        )
        for code, cell in now.items()
    )
    series = tuple(
        Series(
            code=code,
            label=label,
            points=tuple(
                Point(
                    period=p.key,
                    label=p.label,
                    cell=_count_cell(sum(aggregates[p.key].totals[variant].n(m) for m in metrics)),
                )
                for p in periods
            ),
        )
        for code, label, metrics, variant in SERIES
    )
    return Dashboard(
        region=region,
        period=current,
        previous=previous,
        filters=filters,
        indicators=indicators,
        breakdowns=breakdowns(aggregates[current.key], site_labels),
        series=series,
        threshold=THRESHOLD,
    )


def _count_cell(value: int) -> Cell:
    return Cell(value=None, suppressed=True) if primary(value) else Cell(value=float(value))

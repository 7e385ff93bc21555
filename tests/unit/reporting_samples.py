"""Sample dashboards for reporting's tests: every indicator, table and trend, some cells hidden."""

from __future__ import annotations

from typing import Any

from jalon_shared.periods import PeriodKind
from reporting.domain.dashboard import (
    Breakdown,
    BreakdownRow,
    Cell,
    Dashboard,
    Filters,
    Indicator,
    Point,
    Series,
)
from reporting.domain.indicators import DEFINITIONS
from reporting.domain.labels import CLOSE_REASONS, CSP, LEVELS, MODALITIES, SCORES, SITUATIONS
from reporting.domain.periods import period, trailing
from reporting.domain.suppression import THRESHOLD

HIDDEN = Cell(value=None, suppressed=True)
NOT_COMPUTABLE = Cell(value=None)
SITE_LABELS = {
    "rennes": "Rennes \N{EN DASH} Maison de l'emploi",
    "brest": "Brest",
    "saint-brieuc": "Saint-Brieuc",
    "lorient": "Lorient",
}

#: code -> (current, previous); None is a hidden cell, "na" is not computable.
FIGURES: dict[str, tuple[float | str | None, float | str | None]] = {
    "requests": (184, 167),
    "cases_opened": (121, 112),
    "cases_first_time": (None, 104),
    "cases_returning": (None, 8),
    "appointments_planned": (342, 318),
    "appointments_held": (297, 281),
    "appointments_no_show": (21, 19),
    "no_show_rate": (0.0660, 0.0633),
    "appointments_cancelled": (24, 18),
    "sync_exchanges": (355, 330),
    "async_exchanges": (612, 540),
    "async_share": (0.6329, 0.6207),
    "messages": (498, 441),
    "tasks_assigned": (71, 64),
    "tasks_completed": (43, 35),
    "sessions": (138, 126),
    "session_mean_minutes": (47.3, 45.8),
    "session_median_minutes": (45, 44),
    "first_appointment_median_days": (6, 7),
    "first_appointment_p90_days": (15, 17),
    "requalifications_proposed": (26, 22),
    "requalifications_accepted": (19, 15),
    "requalification_consent_rate": (0.7308, 0.6818),
    "summaries_submitted": (58, 51),
    "summaries_signed": (49, 44),
    "signature_rate": (0.8909, 0.88),
    "signature_median_hours": (31, 36),
    "cases_closed": (64, 59),
    "path_median_days": (92, 97),
    "path_mean_days": (101.4, 104.2),
    "collective_held": (3, 4),
    "collective_attended": (27, 31),
    "collective_attendance_rate": (0.7714, 0.7949),
    "surveys_offered": (61, 55),
    "survey_answers": (37, 30),
    "satisfaction_mean": (4.3, 4.1),
    "satisfied_rate": (0.8378, 0.8),
    "recommend_rate": (0.9167, 0.8966),
    "follow_up_answers": (None, "na"),
}

#: (code, label, dimension, [(column, label)], [(row code, row label, cells)], total cells).
TABLES: list[tuple[str, str, str, list[tuple[str, str]], list[tuple[str, str, list[Any]]]]] = [
    (
        "by_site",
        "Par lieu d'accueil",
        "site",
        [
            ("requests", "Demandes"),
            ("cases_opened", "Nouveaux bénéficiaires"),
            ("appointments_held", "Rendez-vous tenus"),
        ],
        [
            ("rennes", SITE_LABELS["rennes"], [96, 63, 154]),
            ("brest", SITE_LABELS["brest"], [61, 41, 101]),
            ("saint-brieuc", SITE_LABELS["saint-brieuc"], [None, 13, 35]),
            ("lorient", SITE_LABELS["lorient"], [None, None, 7]),
        ],
    ),
    (
        "by_modality",
        "Par modalité",
        "modality",
        [
            ("planned", "Planifiés"),
            ("held", "Tenus"),
            ("no_show", "Absences"),
            ("cancelled", "Annulés"),
            ("exchanges", "Échanges"),
        ],
        [
            ("face_to_face", MODALITIES["face_to_face"], [188, 164, 12, 12, 164]),
            ("phone", MODALITIES["phone"], [86, 75, None, 7, 133]),
            ("video", MODALITIES["video"], [68, None, None, 5, 58]),
            ("asynchronous", MODALITIES["asynchronous"], [0, 0, 0, 0, 612]),
        ],
    ),
    (
        "by_level",
        "Par niveau de service",
        "level",
        [
            ("requests", "Demandes"),
            ("cases_opened", "Nouveaux bénéficiaires"),
            ("cases_closed", "Dossiers clos"),
        ],
        [
            ("accueil_individualise", LEVELS["accueil_individualise"], [121, 78, 41]),
            ("accompagnement_personnalise", LEVELS["accompagnement_personnalise"], [63, 43, 23]),
        ],
    ),
    (
        "by_csp",
        "Par catégorie socio-professionnelle",
        "csp",
        [("requests", "Demandes"), ("cases_opened", "Nouveaux bénéficiaires")],
        [
            ("cadre", CSP["cadre"], [38, 24]),
            ("technicien_agent_maitrise", CSP["technicien_agent_maitrise"], [41, 27]),
            ("employe", CSP["employe"], [72, 49]),
            ("ouvrier", CSP["ouvrier"], [29, None]),
            ("independant", CSP["independant"], [None, None]),
        ],
    ),
    (
        "closures_by_reason",
        "Clôtures par motif",
        "close_reason",
        [("cases_closed", "Dossiers clos")],
        [
            (code, label, [n])
            for (code, label), n in zip(CLOSE_REASONS.items(), [44, 9, 6, None, None], strict=True)
        ],
    ),
    (
        "satisfaction_scores",
        "Satisfaction en fin de niveau",
        "score",
        [("answers", "Réponses")],
        [
            (code, label, [n])
            for (code, label), n in zip(SCORES.items(), [None, None, 6, 12, 19], strict=True)
        ],
    ),
    (
        "follow_up_situation",
        "Situation six mois après le parcours",
        "situation",
        [("answers", "Réponses")],
        [
            (code, label, [n])
            for (code, label), n in zip(SITUATIONS.items(), [0, 0, 0, 0, 0, 0], strict=True)
        ],
    ),
]

#: code -> label -> twelve monthly values, oldest first; None is hidden.
TRENDS: list[tuple[str, str, list[float | None]]] = [
    ("requests", "Demandes reçues", [142, 151, 160, 148, 171, 139, 88, 64, 158, 176, 167, 184]),
    (
        "appointments_held",
        "Rendez-vous tenus",
        [231, 244, 262, 255, 270, 240, 151, 118, 259, 288, 281, 297],
    ),
    (
        "sync_exchanges",
        "Échanges synchrones",
        [276, 291, 305, 298, 316, 282, 180, 139, 301, 337, 330, 355],
    ),
    (
        "async_exchanges",
        "Échanges asynchrones",
        [None, None, 12, 48, 97, 160, 191, 203, 344, 451, 540, 612],
    ),
]


def cell(value: float | str | None) -> Cell:
    """Return a shown, hidden (None) or not computable ("na") cell."""
    if value is None:
        return HIDDEN
    if value == "na":
        return NOT_COMPUTABLE
    return Cell(value=float(value))


def _change(current: Cell, previous: Cell) -> float | None:
    if current.value is None or previous.value is None or previous.value == 0:
        return None
    return round((current.value - previous.value) / previous.value, 4)


def _table(
    code: str,
    label: str,
    dimension: str,
    columns: list[tuple[str, str]],
    rows: list[tuple[str, str, list[Any]]],
) -> Breakdown:
    totals = []
    for index in range(len(columns)):
        values = [r[2][index] for r in rows]
        # Hidden parts make the total of the sample a plausible figure, not their exact sum.
        shown = sum(v for v in values if v is not None)
        totals.append(Cell(value=float(shown + 4 * values.count(None))))
    return Breakdown(
        code=code,
        label=label,
        dimension=dimension,
        columns=tuple(c for c, _ in columns),
        column_labels=tuple(lbl for _, lbl in columns),
        rows=tuple(
            BreakdownRow(code=rc, label=rl, cells=tuple(cell(v) for v in vs)) for rc, rl, vs in rows
        ),
        total=BreakdownRow(code="total", label="Total", cells=tuple(totals)),
    )


def sample_dashboard(**overrides: Any) -> Dashboard:
    """Return Bretagne's dashboard of October 2026; overrides replace its fields."""
    periods = trailing(period(PeriodKind.MONTH, "2026-10"), 12)
    indicators = []
    for definition in DEFINITIONS:
        current, previous = (cell(v) for v in FIGURES[definition.code])
        indicators.append(
            Indicator(
                code=definition.code,
                group=definition.group,
                label=definition.label,
                unit=definition.unit,
                current=current,
                previous=previous,
                change=_change(current, previous),
            )
        )
    board = Dashboard(
        region="bretagne",
        period=periods[-1],
        previous=periods[-2],
        filters=Filters(),
        indicators=tuple(indicators),
        breakdowns=tuple(_table(*table) for table in TABLES),
        series=tuple(
            Series(
                code=code,
                label=label,
                points=tuple(
                    Point(period=p.key, label=p.label, cell=cell(v))
                    for p, v in zip(periods, values, strict=True)
                ),
            )
            for code, label, values in TRENDS
        ),
        threshold=THRESHOLD,
    )
    return board.model_copy(update=overrides) if overrides else board


def empty_dashboard(region: str = "bretagne", month: str = "2026-10") -> Dashboard:
    """Return a month with no activity: zero everywhere, no site, nothing to compute."""
    periods = trailing(period(PeriodKind.MONTH, month), 12)
    full = sample_dashboard()
    zero = Cell(value=0.0)

    def blank(table: Breakdown) -> Breakdown:
        rows = (
            ()
            if table.code == "by_site"
            else tuple(
                r.model_copy(update={"cells": tuple(zero for _ in r.cells)}) for r in table.rows
            )
        )
        total = table.total.model_copy(update={"cells": tuple(zero for _ in table.total.cells)})
        return table.model_copy(update={"rows": rows, "total": total})

    return full.model_copy(
        update={
            "region": region,
            "period": periods[-1],
            "previous": periods[-2],
            "indicators": tuple(
                i.model_copy(
                    update={
                        "current": zero if i.unit == "count" else NOT_COMPUTABLE,
                        "previous": zero if i.unit == "count" else NOT_COMPUTABLE,
                        "change": None,
                    }
                )
                for i in full.indicators
            ),
            "breakdowns": tuple(blank(b) for b in full.breakdowns),
            "series": tuple(
                s.model_copy(
                    update={
                        "points": tuple(
                            Point(period=p.key, label=p.label, cell=zero) for p in periods
                        )
                    }
                )
                for s in full.series
            ),
        }
    )

"""Reporting's dashboard as its contract shapes it, for the manager pages' tests."""

from __future__ import annotations

from typing import Any

from web.application.reporting_views import Dashboard

MONTHS = (
    ("2025-12", "décembre 2025"),
    ("2026-01", "janvier 2026"),
    ("2026-02", "février 2026"),
    ("2026-03", "mars 2026"),
    ("2026-04", "avril 2026"),
    ("2026-05", "mai 2026"),
    ("2026-06", "juin 2026"),
    ("2026-07", "juillet 2026"),
    ("2026-08", "août 2026"),
    ("2026-09", "septembre 2026"),
    ("2026-10", "octobre 2026"),
    ("2026-11", "novembre 2026"),
)
HIDDEN: dict[str, Any] = {"value": None, "suppressed": True}
NOT_COMPUTABLE: dict[str, Any] = {"value": None, "suppressed": False}


def shown(value: float) -> dict[str, Any]:
    """Return a visible cell."""
    return {"value": value, "suppressed": False}


def indicator(
    code: str,
    group: str,
    label: str,
    unit: str,
    current: dict[str, Any],
    previous: dict[str, Any],
    change: float | None,
    ignores: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Return one headline figure."""
    return {
        "code": code,
        "group": group,
        "label": label,
        "unit": unit,
        "current": current,
        "previous": previous,
        "change": change,
        "ignores": list(ignores),
    }


def row(code: str, label: str, *cells: dict[str, Any]) -> dict[str, Any]:
    """Return one breakdown row."""
    return {"code": code, "label": label, "cells": list(cells)}


def breakdown(
    code: str,
    label: str,
    dimension: str,
    columns: tuple[tuple[str, str], ...],
    rows: list[dict[str, Any]],
    total: dict[str, Any],
    ignores: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Return one breakdown table."""
    return {
        "code": code,
        "label": label,
        "dimension": dimension,
        "columns": [c for c, _ in columns],
        "column_labels": [t for _, t in columns],
        "rows": rows,
        "total": total,
        "ignores": list(ignores),
    }


def dashboard_json(
    *, filters: dict[str, str | None] | None = None, requests: float = 1234
) -> dict[str, Any]:
    """Return November 2026 in Bretagne: some figures hidden, one not computable."""
    demandes, rdv = "Demandes et bénéficiaires", "Rendez-vous"
    return {
        "region": "bretagne",
        "period": {
            "kind": "month",
            "key": "2026-11",
            "label": "novembre 2026",
            "start": "2026-11-01",
            "end": "2026-11-30",
        },
        "previous": {
            "kind": "month",
            "key": "2026-10",
            "label": "octobre 2026",
            "start": "2026-10-01",
            "end": "2026-10-31",
        },
        "filters": {"site": None, "level": None, "modality": None, "csp": None, **(filters or {})},
        "indicators": [
            indicator(
                "requests",
                demandes,
                "Demandes reçues",
                "count",
                shown(requests),
                shown(1100),
                0.1218,
                ("modality",),
            ),
            indicator(
                "cases_opened",
                demandes,
                "Nouveaux bénéficiaires accompagnés",
                "count",
                HIDDEN,
                shown(12),
                None,
                ("modality",),
            ),
            indicator(
                "appointments_held", rdv, "Rendez-vous tenus", "count", shown(40), shown(50), -0.2
            ),
            indicator(
                "no_show_rate", rdv, "Taux d'absence", "rate", shown(0.125), shown(0.1), 0.25
            ),
            indicator(
                "session_mean_minutes",
                "Séances à distance",
                "Durée moyenne d'une séance",
                "minutes",
                shown(42.5),
                shown(40),
                0.0625,
            ),
            indicator(
                "first_appointment_median_days",
                "Délai d'accès",
                "Délai médian avant le premier rendez-vous",
                "days",
                shown(12),
                shown(12),
                0.0,
            ),
            indicator(
                "signature_rate",
                "Synthèses",
                "Taux de signature",
                "rate",
                NOT_COMPUTABLE,
                NOT_COMPUTABLE,
                None,
            ),
            indicator(
                "signature_median_hours",
                "Synthèses",
                "Délai médian de signature",
                "hours",
                shown(26.5),
                shown(30),
                -0.1167,
            ),
            indicator(
                "satisfaction_mean",
                "Satisfaction",
                "Satisfaction moyenne",
                "score",
                shown(4.2),
                shown(4),
                0.05,
            ),
        ],
        "breakdowns": [
            breakdown(
                "by_site",
                "Activité par lieu d'accueil",
                "site",
                (
                    ("requests", "Demandes"),
                    ("cases_opened", "Nouveaux bénéficiaires"),
                    ("appointments_held", "Rendez-vous tenus"),
                ),
                [
                    row("rennes", "Rennes", shown(1200), shown(30), shown(35)),
                    row("brest", "Brest", HIDDEN, HIDDEN, shown(5)),
                    row("lorient", "Lorient", HIDDEN, HIDDEN, HIDDEN),
                ],
                row("total", "Total", shown(1234), HIDDEN, shown(40)),
            ),
            breakdown(
                "by_modality",
                "Rendez-vous par modalité",
                "modality",
                (
                    ("planned", "Prévus"),
                    ("held", "Tenus"),
                    ("no_show", "Absences"),
                    ("cancelled", "Annulés"),
                    ("exchanges", "Échanges"),
                ),
                [
                    row("face_to_face", "Sur place", *(shown(v) for v in (30, 25, 5, 0, 25))),
                    row("video", "Visio", *(shown(v) for v in (12, 10, 0, 2, 10))),
                    row("phone", "", HIDDEN, HIDDEN, shown(0), shown(0), HIDDEN),
                    row("asynchronous", "À distance, en différé", *(shown(0) for _ in range(5))),
                ],
                row("total", "Total", shown(46), shown(40), shown(5), shown(2), shown(40)),
            ),
            breakdown(
                "by_level",
                "Par niveau de service",
                "level",
                (("requests", "Demandes"), ("cases_opened", "Nouveaux"), ("cases_closed", "Clos")),
                [
                    row("accueil_individualise", "Accueil individualisé (niveau 1)", *[HIDDEN] * 3),
                    row("accompagnement_personnalise", "", shown(1230), shown(20), shown(8)),
                ],
                row("total", "Total", shown(1234), HIDDEN, HIDDEN),
                ("modality",),
            ),
            breakdown(
                "by_csp",
                "Par catégorie socio-professionnelle",
                "csp",
                (("requests", "Demandes"), ("cases_opened", "Nouveaux")),
                [row("technicien_agent_maitrise", "", shown(1234), shown(22))],
                row("total", "Total", shown(1234), shown(22)),
                ("modality",),
            ),
            breakdown(
                "closures_by_reason",
                "Clôtures par motif",
                "close_reason",
                (("cases_closed", "Dossiers clos"),),
                [row("path_completed", "Parcours terminé", shown(8))],
                row("total", "Total", shown(8)),
            ),
            breakdown(
                "satisfaction_scores",
                "Notes de satisfaction",
                "score",
                (("answers", "Réponses"),),
                [row(str(n), "", shown(v)) for n, v in ((1, 0), (2, 0), (3, 5), (4, 9), (5, 11))],
                row("total", "Total", shown(25)),
            ),
            breakdown(
                "follow_up_situation",
                "Situation à 6 mois",
                "situation",
                (("answers", "Réponses"),),
                [row("new_job", "", shown(6))],
                row("total", "Total", shown(6)),
            ),
        ],
        "series": [
            {
                "code": code,
                "label": label,
                "points": [
                    {"period": key, "label": name, "cell": shown(base + i)}
                    for i, (key, name) in enumerate(MONTHS)
                ],
            }
            for code, label, base in (
                ("requests", "Demandes reçues", 1000),
                ("appointments_held", "Rendez-vous tenus", 30),
                ("sync_exchanges", "Échanges synchrones", 20),
                ("async_exchanges", "Échanges écrits", 7),
            )
        ],
        "threshold": 5,
    }


def sample_board(**overrides: Any) -> Dashboard:
    """Return the sample as the front reads it."""
    return Dashboard.model_validate(dashboard_json(**overrides))

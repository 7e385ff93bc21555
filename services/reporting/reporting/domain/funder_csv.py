"""The CSV an operator sends its funder: one row per figure, long format, French style."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from reporting.domain.dashboard import Cell, Dashboard, Unit
from reporting.domain.labels import CSP, LEVELS, MODALITIES

HEADER = (
    "periode",
    "debut",
    "fin",
    "region",
    "lieu",
    "niveau",
    "modalite",
    "csp",
    "tableau",
    "indicateur",
    "libelle",
    "categorie",
    "libelle_categorie",
    "unite",
    "valeur",
    "masque",
)
ALL = "tous"


def _number(cell: Cell) -> str:
    if cell.value is None:
        return ""
    if float(cell.value).is_integer():
        return str(int(cell.value))
    # French spreadsheets read a comma as the decimal mark when the separator is a semicolon.
    return f"{cell.value:.4f}".rstrip("0").rstrip(".").replace(".", ",")


def funder_csv(dashboard: Dashboard, *, region_label: str, site_labels: Mapping[str, str]) -> str:
    """Return the dashboard as CSV: indicators, then each breakdown cell; hidden ones empty."""
    f = dashboard.filters
    scope = (
        dashboard.period.key,
        dashboard.period.start.isoformat(),
        dashboard.period.end.isoformat(),
        region_label,
        site_labels.get(f.site, f.site) if f.site else ALL,
        LEVELS.get(f.level, f.level) if f.level else ALL,
        MODALITIES.get(f.modality, f.modality) if f.modality else ALL,
        CSP.get(f.csp, f.csp) if f.csp else ALL,
    )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for indicator in dashboard.indicators:
        writer.writerow(
            (
                *scope,
                "indicateurs",
                indicator.code,
                indicator.label,
                "",
                "",
                indicator.unit.value,
                _number(indicator.current),
                "oui" if indicator.current.suppressed else "non",
            )
        )
    for breakdown in dashboard.breakdowns:
        for row in (*breakdown.rows, breakdown.total):
            for column, label, cell in zip(
                breakdown.columns, breakdown.column_labels, row.cells, strict=True
            ):
                writer.writerow(
                    (
                        *scope,
                        breakdown.code,
                        column,
                        f"{breakdown.label} · {label}",
                        row.code,
                        row.label,
                        Unit.COUNT.value,
                        _number(cell),
                        "oui" if cell.suppressed else "non",
                    )
                )
    return out.getvalue()

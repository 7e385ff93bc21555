"""Figures as French readers expect them: 1 234, 12,5 %, 42 min, masqué, —."""

from __future__ import annotations

from reporting.domain.dashboard import Cell, Unit

#: French typography: a narrow no-break space groups thousands and sets off units.
NNBSP = "\u202f"
MINUS = "\u2212"
SUPPRESSED = "masqué"
NOT_COMPUTABLE = "—"


def french_number(value: float, decimals: int = 0) -> str:
    """Return « 12 345 » or « 12,5 » (up to `decimals` places, trailing zeros dropped)."""
    rounded = round(value, decimals)
    whole, _, fraction = f"{abs(rounded):,.{decimals}f}".partition(".")
    fraction = fraction.rstrip("0")
    text = whole.replace(",", NNBSP) + (f",{fraction}" if fraction else "")
    return f"{MINUS}{text}" if rounded < 0 else text


def cell_text(cell: Cell, unit: Unit = Unit.COUNT) -> str:
    """Return a figure with its unit, « masqué » when hidden, « — » when not computable."""
    if cell.suppressed:
        return SUPPRESSED
    if cell.value is None:
        return NOT_COMPUTABLE
    value = cell.value
    if unit is Unit.RATE:
        return f"{french_number(value * 100, 1)}{NNBSP}%"
    if unit is Unit.MINUTES:
        return f"{french_number(value, 1)}{NNBSP}min"
    if unit is Unit.HOURS:
        return f"{french_number(value, 1)}{NNBSP}h"
    if unit is Unit.DAYS:
        return f"{french_number(value, 1)}{NNBSP}{'jour' if abs(value) < 2 else 'jours'}"
    if unit is Unit.SCORE:
        return f"{french_number(value, 1)} sur 5"
    return french_number(value)


def change_text(change: float | None) -> str:
    """Return the change from the previous period: a signed « +12 % », « stable » or « — »."""
    if change is None:
        return NOT_COMPUTABLE
    percent = change * 100
    shown = french_number(percent, 1 if abs(percent) < 10 else 0)
    if shown in ("0", f"{MINUS}0"):
        return "stable"
    return f"{'+' if percent > 0 else ''}{shown}{NNBSP}%"

"""Reporting figures as French readers expect them: 1 234, 12,5 %, 42 min, masqué, —."""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup

from web.application.reporting_views import ReportCell
from web.entrypoints.labels import FILTER_PHRASE

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


def figure(cell: ReportCell, unit: str = "count") -> str:
    """Return a figure with its unit, « masqué » when hidden, « — » when not computable."""
    if cell.suppressed:
        return SUPPRESSED
    if cell.value is None:
        return NOT_COMPUTABLE
    value = cell.value
    if unit == "rate":
        return f"{french_number(value * 100, 1)}{NNBSP}%"
    if unit == "minutes":
        return f"{french_number(value, 1)}{NNBSP}min"
    if unit == "hours":
        return f"{french_number(value, 1)}{NNBSP}h"
    if unit == "days":
        return f"{french_number(value, 1)}{NNBSP}{'jour' if abs(value) < 2 else 'jours'}"
    if unit == "score":
        return f"{french_number(value, 1)} sur 5"
    return french_number(value, 0 if unit == "count" else 1)


def figure_html(cell: ReportCell, unit: str = "count") -> Markup:
    """Return a figure for a table cell; a hidden or missing one says why to screen readers."""
    text = figure(cell, unit)
    if cell.suppressed:
        return Markup('<span class="masked">{}</span>').format(text)
    if cell.value is None:
        return Markup(
            '<span aria-hidden="true">{}</span><span class="sr-only">non calculable</span>'
        ).format(text)
    return Markup("{}").format(text)


def change_html(change: float | None) -> Markup:
    """Return the change from the previous period: an arrow and words, never colour alone."""
    if change is None:
        return Markup(
            '<span aria-hidden="true">{}</span>'
            '<span class="sr-only">évolution non calculable</span>'
        ).format(NOT_COMPUTABLE)
    percent = change * 100
    shown = french_number(percent, 1 if abs(percent) < 10 else 0)
    if shown in ("0", f"{MINUS}0"):
        return Markup('<span class="change stable"><span aria-hidden="true">→ </span>stable</span>')
    if percent > 0:
        arrow, words, sign = "↑", "en hausse de", "+"
        kind = "up"
    else:
        arrow, words, sign = "↓", "en baisse de", ""
        kind = "down"
    return Markup(
        '<span class="change {}"><span aria-hidden="true">{} </span>'
        '<span class="sr-only">{} </span>{}{}{}%</span>'
    ).format(kind, arrow, words, sign, shown, NNBSP)


def ignored_note(ignores: Iterable[str], active: Iterable[str]) -> str:
    """Return « (non ventilé par modalité) » for the active filters a figure does not follow."""
    chosen = set(active)
    names = [FILTER_PHRASE[f] for f in FILTER_PHRASE if f in chosen and f in set(ignores)]
    if not names:
        return ""
    return f"(non ventilé par {' ni par '.join(names)})"


def file_size(size: int) -> str:
    """Return « 245 ko » or « 1,2 Mo »."""
    if size < 1000:
        return f"{size}{NNBSP}octets"
    if size < 1_000_000:
        return f"{french_number(size / 1000, 0)}{NNBSP}ko"
    return f"{french_number(size / 1_000_000, 1)}{NNBSP}Mo"


def pages(count: int) -> str:
    """Return « 1 page » or « 3 pages »."""
    return f"{count} page" if count == 1 else f"{count} pages"

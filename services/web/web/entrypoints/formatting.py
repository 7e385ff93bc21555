"""Dates and figures as French readers expect them, in Paris time."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from jalon_shared.french_dates import MONTHS, WEEKDAYS, day_of_month

PARIS = ZoneInfo("Europe/Paris")


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(PARIS)


def french_date(moment: datetime | None) -> str:
    """Return "1er décembre 2026" (Paris time), or a dash for none."""
    if moment is None:
        return "—"
    local = _local(moment)
    day = day_of_month(local)
    return f"{day} {MONTHS[local.month - 1]} {local.year}"


def french_datetime(moment: datetime | None) -> str:
    """Return "23 novembre 2026 à 14 h 05" (Paris time), or a dash for none."""
    if moment is None:
        return "—"
    local = _local(moment)
    return f"{french_date(local)} à {local.hour} h {local.minute:02d}"


def french_phone(phone: str | None) -> str:
    """Show a stored +33 number the way French people write it (06 12 34 56 78)."""
    if not phone:
        return ""
    if phone.startswith("+33") and len(phone) == 12 and phone[3:].isdigit():
        national = "0" + phone[3:]
        return " ".join(national[i : i + 2] for i in range(0, 10, 2))
    return phone


def french_day(moment: datetime | date | None) -> str:
    """Return "mardi 1er décembre 2026" (a time is read in Paris time), or a dash for none."""
    if moment is None:
        return "—"
    day = _local(moment).date() if isinstance(moment, datetime) else moment
    first = day_of_month(day)
    return f"{WEEKDAYS[day.weekday()]} {first} {MONTHS[day.month - 1]} {day.year}"


def french_time(moment: datetime | None) -> str:
    """Return "14 h 30" (Paris time), or a dash for none."""
    if moment is None:
        return "—"
    local = _local(moment)
    return f"{local.hour} h {local.minute:02d}"


def french_moment(moment: datetime | None) -> str:
    """Return "mardi 1er décembre 2026, 14 h 30" (Paris time), or a dash for none."""
    if moment is None:
        return "—"
    return f"{french_day(moment)}, {french_time(moment)}"

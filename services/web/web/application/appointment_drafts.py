"""Forms of the appointment pages as typed, and how their values are read: times, dates, slots."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from web.application.appointment_views import LOCAL_ZONE
from web.application.errors import FieldError

#: A site code, or "remote" (the appointment service's pattern).
PLACE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: "9:00", "09:00", "9h00", "9 h 00", "09:00:00" (a time input may add seconds).
CLOCK_PATTERN = re.compile(r"^\s*(\d{1,2})\s*[:hH]\s*(\d{2})(?::\d{2})?\s*$")
#: A written exchange is due at this local hour of the chosen day.
ASYNC_DUE = time(18, 0)
#: ... and no sooner than this after it is booked (the service's rule).
ASYNC_MIN_DELAY = timedelta(days=1)


class InvalidDraftError(ValueError):
    """A form the page can tell is wrong before any service sees it, field by field."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__(", ".join(f"{e.field}: {e.type}" for e in self.errors))


def zone(name: str) -> tzinfo:
    """Return a time zone by IANA name (Paris for an unknown one)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return LOCAL_ZONE


def clock_time(text: str) -> str | None:
    """Return a wall-clock time typed as text as "HH:MM", or None when it is not one."""
    found = CLOCK_PATTERN.match(text)
    if not found:
        return None
    hours, minutes = int(found.group(1)), int(found.group(2))
    if hours > 23 or minutes > 59:
        return None
    return f"{hours:02d}:{minutes:02d}"


def local_datetime(text: str, in_zone: tzinfo = LOCAL_ZONE) -> datetime | None:
    """Read a date-time input ("2026-12-03T14:30") as a wall-clock time in a zone."""
    try:
        naive = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=in_zone)


def local_input(moment: datetime, in_zone: tzinfo = LOCAL_ZONE) -> str:
    """Return an aware time as a date-time input's value in a zone ("2026-12-03T14:30")."""
    return moment.astimezone(in_zone).strftime("%Y-%m-%dT%H:%M")


def day_of(text: str) -> date | None:
    """Read a date input ("2026-12-03"), or None."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def local_midnight(day: date) -> datetime:
    """Return the start of a local day as an aware time."""
    return datetime.combine(day, time(0), LOCAL_ZONE)


def due_time(day: date) -> datetime:
    """Return when a written exchange chosen for that day is due."""
    return datetime.combine(day, ASYNC_DUE, LOCAL_ZONE)


def earliest_due_day(now: datetime) -> date:
    """Return the first day a written exchange may be due."""
    earliest = now + ASYNC_MIN_DELAY
    day = earliest.astimezone(LOCAL_ZONE).date()
    return day if due_time(day) >= earliest else day + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ChosenSlot:
    """The slot a button carried: its start and its place."""

    starts_at: datetime
    place: str


def slot_value(starts_at: datetime, place: str) -> str:
    """Return what a slot's button sends."""
    return f"{starts_at.isoformat()}|{place}"


def read_slot(value: str) -> ChosenSlot | None:
    """Read a slot's button value, or None when it was not sent by one."""
    start_text, _, place = value.partition("|")
    try:
        starts_at = datetime.fromisoformat(start_text)
    except ValueError:
        return None
    if starts_at.tzinfo is None or not PLACE_PATTERN.match(place):
        return None
    return ChosenSlot(starts_at, place)

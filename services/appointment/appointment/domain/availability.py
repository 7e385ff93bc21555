"""A counsellor's availability and the free slots it leaves: pure rules, no I/O, time passed in.

Plans are written in the counsellor's wall-clock time (a Monday 09:00-12:00 stays 09:00-12:00
across a daylight-saving change); everything else is an aware instant, compared in UTC.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Re-exported: the kind is part of the event vocabulary, and the rules here give it a length.
from jalon_shared.events.vocabulary import AppointmentKind as AppointmentKind

#: A plan window or an extra slot that is not at a site.
REMOTE = "remote"


class ExceptionKind(StrEnum):
    """How a dated exception changes the weekly plan."""

    #: Leave or a closure: nothing can be booked inside it.
    UNAVAILABLE = "unavailable"
    #: A one-off opening outside the weekly plan.
    EXTRA = "extra"


class AvailabilityError(ValueError):
    """A plan or an exception that cannot hold, named by its field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


def time_zone(name: str) -> ZoneInfo:
    """Return the IANA zone with this name, or refuse it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AvailabilityError("time_zone", "unknown IANA time zone") from exc


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """A recurring opening: a weekday, wall-clock start and end, and where (a site or remote)."""

    weekday: int
    start: time
    end: time
    place: str

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise AvailabilityError("weekday", "a weekday is 0 (Monday) to 6 (Sunday)")
        if self.end <= self.start:
            raise AvailabilityError("end", "a window ends after it starts")


@dataclass(frozen=True, slots=True)
class DatedException:
    """Leave, a closure or a one-off extra opening, between two instants."""

    kind: ExceptionKind
    starts_at: datetime
    ends_at: datetime
    #: Where an extra opening is; ignored for unavailability, which covers every place.
    place: str = REMOTE

    def __post_init__(self) -> None:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise AvailabilityError("starts_at", "times carry their offset")
        if self.ends_at <= self.starts_at:
            raise AvailabilityError("ends_at", "an exception ends after it starts")


@dataclass(frozen=True, slots=True)
class Rules:
    """The booking rules of one counsellor."""

    lengths: dict[AppointmentKind, timedelta] = field(
        default_factory=lambda: {
            AppointmentKind.FIRST_MEETING: timedelta(minutes=60),
            AppointmentKind.FOLLOW_UP: timedelta(minutes=45),
        }
    )
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(minutes=15)
    minimum_notice: timedelta = timedelta(hours=24)
    horizon: timedelta = timedelta(days=60)
    #: Slots start on this grid inside each window.
    step: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.step <= timedelta(0):
            raise AvailabilityError("step", "the slot grid needs a positive step")
        if self.buffer_before < timedelta(0) or self.buffer_after < timedelta(0):
            raise AvailabilityError("buffer_after", "buffers cannot be negative")
        if self.minimum_notice < timedelta(0) or self.horizon <= timedelta(0):
            raise AvailabilityError("horizon", "the horizon lies ahead and notice is not negative")
        for kind, length in self.lengths.items():
            if length <= timedelta(0):
                raise AvailabilityError(f"lengths.{kind.value}", "a length is positive")


@dataclass(frozen=True, slots=True)
class Plan:
    """A counsellor's weekly plan in their time zone, with the rules and dated exceptions."""

    time_zone: str
    windows: tuple[WeeklyWindow, ...]
    rules: Rules = field(default_factory=Rules)
    exceptions: tuple[DatedException, ...] = ()

    def __post_init__(self) -> None:
        time_zone(self.time_zone)
        by_day: dict[int, list[WeeklyWindow]] = {}
        for window in self.windows:
            by_day.setdefault(window.weekday, []).append(window)
        for windows in by_day.values():
            ordered = sorted(windows, key=lambda w: w.start)
            for before, after in itertools.pairwise(ordered):
                if after.start < before.end:
                    raise AvailabilityError("windows", "two windows of one day overlap")


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """A bookable interval and where it takes place."""

    starts_at: datetime
    ends_at: datetime
    place: str


@dataclass(frozen=True, slots=True)
class Busy:
    """An interval already taken (a booking), before buffers."""

    starts_at: datetime
    ends_at: datetime


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the instant a wall-clock time names on a day; a skipped time moves forward."""
    # A wall time skipped by a spring change (02:30 in Paris) does not exist: the round trip
    # through UTC lands on the instant it would have been, an hour later on the clock.
    naive = datetime.combine(day, at)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def openings(plan: Plan, start: datetime, end: datetime) -> list[Slot]:
    """Return the plan's open intervals between two instants, after exceptions, in UTC."""
    zone = time_zone(plan.time_zone)
    opened: list[Slot] = []
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    while day <= last:
        for window in plan.windows:
            if window.weekday == day.weekday():
                opened.append(
                    Slot(
                        local_instant(day, window.start, zone).astimezone(UTC),
                        local_instant(day, window.end, zone).astimezone(UTC),
                        window.place,
                    )
                )
        day += timedelta(days=1)
    opened += [
        Slot(e.starts_at.astimezone(UTC), e.ends_at.astimezone(UTC), e.place)
        for e in plan.exceptions
        if e.kind is ExceptionKind.EXTRA
    ]
    closed = sorted(
        (e.starts_at.astimezone(UTC), e.ends_at.astimezone(UTC))
        for e in plan.exceptions
        if e.kind is ExceptionKind.UNAVAILABLE
    )
    kept: list[Slot] = []
    for interval in _merged(opened):
        for piece in _subtract(interval, closed):
            clipped = Slot(max(piece.starts_at, start), min(piece.ends_at, end), piece.place)
            if clipped.starts_at < clipped.ends_at:
                kept.append(clipped)
    return sorted(kept)


def _merged(opened: Iterable[Slot]) -> list[Slot]:
    """Return the openings with those of one place that overlap joined into one."""
    # An extra opening over a weekly window would otherwise offer each shared slot twice.
    merged: list[Slot] = []
    for interval in sorted(opened, key=lambda s: (s.place, s.starts_at)):
        last = merged[-1] if merged else None
        if last is not None and last.place == interval.place and interval.starts_at < last.ends_at:
            merged[-1] = Slot(last.starts_at, max(last.ends_at, interval.ends_at), last.place)
        else:
            merged.append(interval)
    return merged


def _subtract(interval: Slot, closed: Sequence[tuple[datetime, datetime]]) -> Iterator[Slot]:
    """Yield what is left of an interval once the closed intervals are cut out."""
    cursor = interval.starts_at
    for closed_start, closed_end in closed:
        if closed_end <= cursor or closed_start >= interval.ends_at:
            continue
        if closed_start > cursor:
            yield Slot(cursor, closed_start, interval.place)
        cursor = max(cursor, closed_end)
    if cursor < interval.ends_at:
        yield Slot(cursor, interval.ends_at, interval.place)


def free_slots(
    plan: Plan,
    busy: Iterable[Busy],
    *,
    kind: AppointmentKind,
    now: datetime,
    places: frozenset[str] | None = None,
    until: datetime | None = None,
) -> list[Slot]:
    """Return the slots of a kind's length free between notice and horizon, in UTC order.

    A slot is free when it lies inside an opening and, widened by the buffers, overlaps no
    booking (each booking counted with its own buffers too, so two meetings never touch).
    """
    rules = plan.rules
    length = rules.lengths.get(kind)
    if length is None:
        raise AvailabilityError("kind", "no length for this kind of appointment")
    earliest = now.astimezone(UTC) + rules.minimum_notice
    latest = now.astimezone(UTC) + rules.horizon
    if until is not None:
        latest = min(latest, until.astimezone(UTC))
    # Every appointment holds its buffers: two conflict when their widened intervals meet.
    taken = sorted(
        (
            b.starts_at.astimezone(UTC) - rules.buffer_before,
            b.ends_at.astimezone(UTC) + rules.buffer_after,
        )
        for b in busy
    )
    starts = [start for start, _ in taken]
    # The longest booking bounds how far back an overlapping one can start.
    longest = max((end - start for start, end in taken), default=timedelta(0))
    slots: list[Slot] = []
    for opening in openings(plan, earliest, latest):
        if places is not None and opening.place not in places:
            continue
        start = on_grid(opening.starts_at, rules.step)
        while start + length <= opening.ends_at:
            end = start + length
            blocker = _overlaps(
                start - rules.buffer_before, end + rules.buffer_after, taken, starts, longest
            )
            if blocker is None:
                slots.append(Slot(start, end, opening.place))
                start += rules.step
            else:
                # Nothing can start before the blocking booking (with buffers) ends: jump there
                # rather than trying every step inside it.
                start = max(start + rules.step, on_grid(blocker + rules.buffer_before, rules.step))
    return slots


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def on_grid(instant: datetime, step: timedelta) -> datetime:
    """Return the first instant at or after this one on the step grid (09:00, 09:15, ...)."""
    # Zone offsets are whole quarter hours, so a UTC grid is the wall-clock grid too.
    remainder = (instant - EPOCH) % step
    return instant if not remainder else instant + (step - remainder)


def _overlaps(
    start: datetime,
    end: datetime,
    taken: Sequence[tuple[datetime, datetime]],
    starts: Sequence[datetime],
    longest: timedelta,
) -> datetime | None:
    """Return the end of the latest taken interval [start, end) meets, or None (bisection)."""
    first = bisect.bisect_left(starts, start - longest)
    blocker: datetime | None = None
    for taken_start, taken_end in taken[first:]:
        if taken_start >= end:
            break
        if taken_end > start:
            blocker = taken_end if blocker is None else max(blocker, taken_end)
    return blocker

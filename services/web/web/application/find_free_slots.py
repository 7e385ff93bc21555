"""Use case: a case counsellor's free slots for two weeks, grouped by local day."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from jalon_shared.events.vocabulary import AppointmentKind, Modality
from web.application.appointment_drafts import local_midnight
from web.application.appointment_views import LOCAL_ZONE, Slot
from web.application.ports import AppointmentApi
from web.domain.sessions import Session

#: How many days one page of slots covers; its navigation moves by a week.
SLOT_DAYS = 14
STEP = timedelta(days=7)
#: How far ahead the navigation goes (the counsellor's horizon usually stops sooner).
FURTHEST = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class SlotDay:
    """One local day and its free slots, earliest first."""

    day: date
    slots: list[Slot]


@dataclass(frozen=True, slots=True)
class SlotPage:
    """Two weeks of free slots, and the first days of the previous and next pages."""

    first_day: date
    last_day: date
    days: list[SlotDay]
    earlier: date | None
    later: date | None

    @property
    def count(self) -> int:
        """Return how many slots the page offers."""
        return sum(len(d.slots) for d in self.days)


def slot_window(first_day: date | None, now: datetime) -> tuple[date, date]:
    """Return the first and last local day of a page of slots (never before today)."""
    today = now.astimezone(LOCAL_ZONE).date()
    first = today if first_day is None else min(max(first_day, today), today + FURTHEST)
    return first, first + timedelta(days=SLOT_DAYS - 1)


async def find_free_slots(
    session: Session,
    case_id: UUID,
    modality: Modality,
    kind: AppointmentKind,
    first_day: date | None,
    *,
    appointments: AppointmentApi,
    now: datetime,
    place: str | None = None,
) -> SlotPage:
    """Read the free slots of a page (raises ApiError) and group them by local day.

    `place` keeps only one site's slots (a face-to-face meeting moves within its site).
    """
    first, last = slot_window(first_day, now)
    found = await appointments.slots(
        session.token,
        case_id,
        modality=modality,
        kind=kind,
        start=local_midnight(first),
        days=SLOT_DAYS,
        time_zone=LOCAL_ZONE.key,
    )
    by_day: dict[date, list[Slot]] = defaultdict(list)
    for slot in sorted(found.slots, key=lambda s: s.starts_at):
        day = slot.starts_at.astimezone(LOCAL_ZONE).date()
        if first <= day <= last and slot.starts_at > now and place in (None, slot.place):
            by_day[day].append(slot)
    today = now.astimezone(LOCAL_ZONE).date()
    return SlotPage(
        first_day=first,
        last_day=last,
        days=[SlotDay(day, by_day[day]) for day in sorted(by_day)],
        earlier=max(first - STEP, today) if first > today else None,
        later=first + STEP if first + STEP <= today + FURTHEST else None,
    )

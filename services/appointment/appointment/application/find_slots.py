"""Use case: the free slots a case's counsellor offers for a modality and kind of meeting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from appointment.application.access import reachable_case
from appointment.application.errors import ConflictError, InvalidInputError
from appointment.application.ports import AppointmentQueries, CaseDirectory, Schedule
from appointment.domain.availability import (
    REMOTE,
    AppointmentKind,
    AvailabilityError,
    Slot,
    free_slots,
    time_zone,
)
from jalon_shared.access import Principal, Role
from jalon_shared.events.vocabulary import Modality

#: The longest window one search may cover.
MAX_SEARCH = timedelta(days=92)


@dataclass(frozen=True, slots=True)
class SlotSearch:
    """What the caller looks for."""

    case_id: UUID
    modality: Modality
    kind: AppointmentKind
    start: datetime
    end: datetime
    #: The zone the caller reads times in; checked, since pages show slots in it.
    time_zone: str = "Europe/Paris"


@dataclass(frozen=True, slots=True)
class FoundSlots:
    """The free slots, and the plan's zone they were generated in."""

    counsellor_id: str
    plan_time_zone: str
    slots: list[Slot]


def usable(slot: Slot, modality: Modality) -> bool:
    """Return whether a slot's place suits a modality."""
    if modality is Modality.FACE_TO_FACE:
        return slot.place != REMOTE
    # Phone and video can be held from any window, a site's included.
    return True


def check_search(search: SlotSearch) -> None:
    """Refuse a search that cannot be answered, naming the field."""
    try:
        time_zone(search.time_zone)
    except AvailabilityError as exc:
        raise InvalidInputError("time_zone", "unknown_time_zone", str(exc)) from exc
    if search.end <= search.start:
        raise InvalidInputError("to", "ends_before_start", "the search ends after it starts")
    if search.end - search.start > MAX_SEARCH:
        raise InvalidInputError("to", "too_long", "a search covers at most 92 days")
    if search.modality is Modality.ASYNCHRONOUS:
        raise InvalidInputError(
            "modality", "no_slots", "an asynchronous exchange has a due date, not a slot"
        )


async def free_slots_of(
    queries: AppointmentQueries,
    schedule: Schedule,
    *,
    modality: Modality,
    kind: AppointmentKind,
    now: datetime,
    start: datetime,
    end: datetime,
    notice: bool = True,
) -> list[Slot]:
    """Return a counsellor's free slots in [start, end) usable for a modality."""
    plan, busy = schedule.plan, schedule.busy
    # Staff booking after a phone call are not bound by the minimum notice.
    effective_now = now if notice else now - plan.rules.minimum_notice
    try:
        slots = free_slots(plan, busy, kind=kind, now=effective_now, until=end)
    except AvailabilityError as exc:
        raise InvalidInputError("kind", "no_length", str(exc)) from exc
    slots = [s for s in slots if s.starts_at >= max(start, now) and usable(s, modality)]
    if modality is not Modality.FACE_TO_FACE:
        # Held from anywhere, so one slot per start where a site's window and a remote
        # opening overlap (the remote one, as the booking records it), not the time twice.
        by_start: dict[datetime, Slot] = {}
        for slot in sorted(slots, key=lambda s: s.place != REMOTE):
            by_start.setdefault(slot.starts_at, slot)
        slots = sorted(by_start.values())
    closed = {
        (c.site, c.starts_at, c.ends_at)
        for site in {s.place for s in slots if s.place != REMOTE}
        for c in await queries.closures_at(site, start, end)
    }
    if modality is Modality.FACE_TO_FACE and closed:
        slots = [
            s
            for s in slots
            if not any(
                site == s.place and s.starts_at < until and s.ends_at > since
                for site, since, until in closed
            )
        ]
    return slots


async def find_slots(
    queries: AppointmentQueries,
    directory: CaseDirectory,
    principal: Principal,
    search: SlotSearch,
    *,
    now: datetime,
) -> FoundSlots:
    """Return the free slots of the case's counsellor matching the search."""
    check_search(search)
    case = await reachable_case(directory, principal, search.case_id)
    if case.counsellor_id is None or case.status != "open":
        raise ConflictError("no_counsellor", "this case has no counsellor to meet yet")
    schedule = await queries.schedule(case.counsellor_id, search.start, search.end)
    if schedule is None:
        raise ConflictError("no_plan", "the counsellor has not published availability yet")
    slots = await free_slots_of(
        queries,
        schedule,
        modality=search.modality,
        kind=search.kind,
        now=now,
        start=search.start,
        end=search.end,
        notice=principal.role is Role.BENEFICIARY,
    )
    return FoundSlots(case.counsellor_id, schedule.plan.time_zone, slots)

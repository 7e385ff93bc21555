"""Use case: book an appointment for a case, in a free slot of its counsellor's plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from appointment.application import events
from appointment.application.access import party_of, reachable_case
from appointment.application.errors import ConflictError, InvalidInputError, SlotTakenError
from appointment.application.find_slots import free_slots_of
from appointment.application.ports import (
    AppointmentQueries,
    AppointmentTransaction,
    CaseDirectory,
    Schedule,
    UnitOfWork,
)
from appointment.domain.availability import REMOTE, AppointmentKind, free_slots
from appointment.domain.booking import Appointment, Party, cells
from appointment.domain.notices import Template
from jalon_shared.access import Principal
from jalon_shared.directory.model import CaseEntry
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import Modality

#: An asynchronous exchange is due at least this far ahead, so the person has time to write.
ASYNC_MIN_DELAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class BookAppointment:
    """What the caller asks for: a case, a modality, a kind and a start (or a due time)."""

    case_id: UUID
    modality: Modality
    kind: AppointmentKind
    starts_at: datetime
    #: The site for a face-to-face meeting; when left out, the slot's own site.
    place: str | None = None


async def check_slot(
    queries: AppointmentQueries,
    schedule: Schedule,
    *,
    modality: Modality,
    kind: AppointmentKind,
    starts_at: datetime,
    place: str | None,
    now: datetime,
    by: Party,
) -> str:
    """Return the place of a free slot starting then, or say why it is not bookable."""
    plan = schedule.plan
    length = plan.rules.lengths[kind]
    window_start, window_end = (
        starts_at - timedelta(hours=1),
        starts_at + length + timedelta(hours=1),
    )
    effective_now = now if by is Party.BENEFICIARY else now - plan.rules.minimum_notice
    if starts_at < effective_now + plan.rules.minimum_notice:
        raise InvalidInputError(
            "starts_at", "inside_minimum_notice", "too soon: this counsellor needs more notice"
        )
    if starts_at > now + plan.rules.horizon:
        raise InvalidInputError("starts_at", "beyond_horizon", "too far ahead to book")
    # First against the plan alone: outside it is the caller's mistake (422), not a race.
    planned = [
        s
        for s in free_slots(plan, [], kind=kind, now=effective_now, until=window_end)
        if s.starts_at == starts_at and (place is None or s.place == place)
    ]
    if modality is Modality.FACE_TO_FACE:
        planned = [s for s in planned if s.place != REMOTE]
    if not planned:
        raise InvalidInputError(
            "starts_at", "slot_outside_plan", "this time is not in the counsellor's plan"
        )
    free = await free_slots_of(
        queries,
        schedule,
        modality=modality,
        kind=kind,
        now=now,
        start=window_start,
        end=window_end,
        notice=by is Party.BENEFICIARY,
    )
    matching = [
        s for s in free if s.starts_at == starts_at and s.place in {p.place for p in planned}
    ]
    if not matching:
        raise SlotTakenError
    return matching[0].place


async def book_appointment(
    uow: UnitOfWork,
    queries: AppointmentQueries,
    directory: CaseDirectory,
    principal: Principal,
    command: BookAppointment,
    *,
    now: datetime,
    meta: EventMeta,
) -> Appointment:
    """Book the appointment; the cells' unique index refuses a slot someone else holds."""
    by = party_of(principal)
    if command.starts_at <= now:
        raise InvalidInputError("starts_at", "in_the_past", "the appointment lies ahead")
    case = await reachable_case(directory, principal, command.case_id)
    counsellor_id = open_counsellor(case)
    schedule = await queries.schedule(
        counsellor_id, command.starts_at - timedelta(hours=1), command.starts_at + timedelta(days=1)
    )
    if schedule is None:
        raise ConflictError("no_plan", "the counsellor has not published availability yet")
    plan = schedule.plan
    length = plan.rules.lengths[command.kind]
    if command.modality is Modality.ASYNCHRONOUS:
        if command.starts_at < now + ASYNC_MIN_DELAY:
            raise InvalidInputError(
                "starts_at", "too_soon", "a written exchange is due tomorrow or later"
            )
        if command.starts_at > now + plan.rules.horizon:
            raise InvalidInputError("starts_at", "beyond_horizon", "too far ahead to book")
        place = REMOTE
        held: list[datetime] = []
    else:
        place = await check_slot(
            queries,
            schedule,
            modality=command.modality,
            kind=command.kind,
            starts_at=command.starts_at,
            place=command.place,
            now=now,
            by=by,
        )
        held = cells(command.starts_at, command.starts_at + length, plan.rules)
    if (
        command.modality is not Modality.FACE_TO_FACE
        and command.modality is not Modality.ASYNCHRONOUS
    ):
        place = REMOTE
    appointment = Appointment(
        appointment_id=uuid4(),
        case_id=case.case_id,
        beneficiary_id=case.beneficiary_id,
        counsellor_id=counsellor_id,
        kind=command.kind,
        modality=command.modality,
        place=place,
        starts_at=command.starts_at,
        ends_at=command.starts_at + length,
        region=case.region,
        site=case.site,
    )

    async def work(tx: AppointmentTransaction) -> Appointment:
        await tx.add(appointment, held)
        await tx.leave_waitlist(case.case_id)
        tx.publish(events.booked(appointment, meta, by))
        tx.notify(*events.confirmation(Template.BOOKED, appointment, now))
        return appointment

    return await uow.run(work)


def open_counsellor(case: CaseEntry) -> str:
    """Return the counsellor of an open case, or refuse."""
    if case.counsellor_id is None or case.status != "open":
        raise ConflictError("no_counsellor", "this case has no counsellor to meet")
    return case.counsellor_id

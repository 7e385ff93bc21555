"""Use case: move an appointment to another free slot, within the self-service policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from appointment.application import events
from appointment.application.access import party_of, reachable_appointment
from appointment.application.book_appointment import check_slot
from appointment.application.errors import ConflictError, InvalidInputError, NotFoundError
from appointment.application.offer_freed_slot import offer_freed_slot
from appointment.application.ports import (
    AppointmentQueries,
    AppointmentTransaction,
    CaseDirectory,
    UnitOfWork,
)
from appointment.domain.booking import Appointment, BookingError, Policy, cells
from appointment.domain.notices import Template
from jalon_shared.access import Principal
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import Modality


@dataclass(frozen=True, slots=True)
class RescheduleAppointment:
    """The appointment and its new start."""

    appointment_id: UUID
    starts_at: datetime


async def reschedule_appointment(
    uow: UnitOfWork,
    queries: AppointmentQueries,
    directory: CaseDirectory,
    principal: Principal,
    command: RescheduleAppointment,
    *,
    now: datetime,
    policy: Policy,
    meta: EventMeta,
) -> Appointment:
    """Move the appointment; its old cells are freed and the new ones taken in one transaction."""
    by = party_of(principal)
    if command.starts_at <= now:
        raise InvalidInputError("starts_at", "in_the_past", "the new time lies ahead")
    current = await reachable_appointment(
        directory, principal, await queries.appointment(command.appointment_id)
    )
    schedule = await queries.schedule(
        current.counsellor_id,
        command.starts_at - timedelta(hours=1),
        command.starts_at + timedelta(days=1),
        exclude=current.appointment_id,
    )
    if schedule is None:
        raise ConflictError("no_plan", "the counsellor has no published availability")
    plan = schedule.plan
    length = current.ends_at - current.starts_at
    if current.modality is Modality.ASYNCHRONOUS:
        held = None
    else:
        await check_slot(
            queries,
            schedule,
            modality=current.modality,
            kind=current.kind,
            starts_at=command.starts_at,
            place=current.place if current.modality is Modality.FACE_TO_FACE else None,
            now=now,
            by=by,
        )
        held = cells(command.starts_at, command.starts_at + length, plan.rules)

    async def work(tx: AppointmentTransaction) -> Appointment:
        appointment = await tx.appointment(command.appointment_id)
        if appointment is None:
            raise NotFoundError("no such appointment")
        try:
            moved = appointment.moved(
                command.starts_at, command.starts_at + length, by=by, now=now, policy=policy
            )
        except BookingError as exc:
            raise ConflictError(exc.reason, str(exc)) from exc
        await tx.replace(moved, held if held is not None else [])
        tx.publish(events.rescheduled(moved, appointment.starts_at, meta, by))
        tx.notify(*events.confirmation(Template.RESCHEDULED, moved, now))
        await offer_freed_slot(tx, appointment, now)
        return moved

    return await uow.run(work)

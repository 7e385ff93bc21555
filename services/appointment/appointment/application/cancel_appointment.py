"""Use case: cancel an appointment with a reason, within the self-service policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from appointment.application import events
from appointment.application.access import party_of, reachable_appointment
from appointment.application.errors import ConflictError, NotFoundError
from appointment.application.offer_freed_slot import offer_freed_slot
from appointment.application.ports import (
    AppointmentQueries,
    AppointmentTransaction,
    CaseDirectory,
    UnitOfWork,
)
from appointment.domain.booking import Appointment, BookingError, CancelReason, Policy
from appointment.domain.notices import Template
from jalon_shared.access import Principal
from jalon_shared.events.envelope import EventMeta


@dataclass(frozen=True, slots=True)
class CancelAppointment:
    """The appointment and why it is cancelled."""

    appointment_id: UUID
    reason: CancelReason


async def cancel_appointment(
    uow: UnitOfWork,
    queries: AppointmentQueries,
    directory: CaseDirectory,
    principal: Principal,
    command: CancelAppointment,
    *,
    now: datetime,
    policy: Policy,
    meta: EventMeta,
) -> Appointment:
    """Cancel the appointment, free its cells and offer the slot to the waitlist."""
    by = party_of(principal)
    await reachable_appointment(
        directory, principal, await queries.appointment(command.appointment_id)
    )

    async def work(tx: AppointmentTransaction) -> Appointment:
        appointment = await tx.appointment(command.appointment_id)
        if appointment is None:
            raise NotFoundError("no such appointment")
        try:
            dropped = appointment.cancelled(
                by=by, now=now, policy=policy, reason=command.reason.value
            )
        except BookingError as exc:
            raise ConflictError(exc.reason, str(exc)) from exc
        await tx.replace(dropped, [])
        tx.publish(events.cancelled(dropped, meta, by))
        tx.notify(*events.confirmation(Template.CANCELLED, dropped, now))
        await offer_freed_slot(tx, appointment, now)
        return dropped

    return await uow.run(work)

"""Use case: record that an appointment was held, or missed and by whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from appointment.application.access import reachable_appointment
from appointment.application.errors import ConflictError, ForbiddenError, NotFoundError
from appointment.application.ports import (
    AppointmentQueries,
    AppointmentTransaction,
    CaseDirectory,
    UnitOfWork,
)
from appointment.domain.booking import Appointment, BookingError, Status
from jalon_shared.access import Principal, Role
from jalon_shared.events.appointment import AppointmentHeld, AppointmentNoShow
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import AbsentParty, Modality


@dataclass(frozen=True, slots=True)
class SettleAppointment:
    """The outcome: held, or a no-show with who was absent and a reason code."""

    appointment_id: UUID
    status: Status
    absent: AbsentParty | None = None
    reason: str | None = None
    #: The modality actually used, when an ended session measured it (a video appointment
    #: that ran audio only was held by phone); the booked one otherwise.
    modality: Modality | None = None


async def settle_appointment(
    uow: UnitOfWork,
    queries: AppointmentQueries,
    directory: CaseDirectory,
    principal: Principal,
    command: SettleAppointment,
    *,
    now: datetime,
    meta: EventMeta,
    source: str = "counsellor",
) -> Appointment:
    """Settle the appointment; the case's first held one carries the time since its opening."""
    if principal.role not in (Role.COUNSELLOR, Role.MANAGER, Role.SERVICE):
        raise ForbiddenError("staff record how an appointment went")
    if principal.role is not Role.SERVICE:
        await reachable_appointment(
            directory, principal, await queries.appointment(command.appointment_id)
        )
    opened_at = None

    async def work(tx: AppointmentTransaction) -> Appointment:
        appointment = await tx.appointment(command.appointment_id)
        if appointment is None:
            raise NotFoundError("no such appointment")
        try:
            settled = appointment.settled(
                command.status, now=now, absent=command.absent, reason=command.reason
            )
        except BookingError as exc:
            raise ConflictError(exc.reason, str(exc)) from exc
        await tx.replace(settled)
        if settled.status is Status.HELD:
            first = not await tx.held_before(settled.case_id, settled.appointment_id)
            tx.publish(
                AppointmentHeld(
                    **meta.envelope(),
                    appointment_id=settled.appointment_id,
                    case_id=settled.case_id,
                    modality=command.modality or settled.modality,
                    starts_at=settled.starts_at,
                    region=settled.region or None,
                    site=settled.site or None,
                    first_held=first,
                    case_opened_at=opened_at if first else None,
                    source=source,
                )
            )
        else:
            tx.publish(
                AppointmentNoShow(
                    **meta.envelope(),
                    appointment_id=settled.appointment_id,
                    case_id=settled.case_id,
                    modality=settled.modality,
                    absent=settled.absent or AbsentParty.BENEFICIARY,
                    starts_at=settled.starts_at,
                    region=settled.region or None,
                    site=settled.site or None,
                )
            )
        return settled

    current = await queries.appointment(command.appointment_id)
    if current is not None:
        opened_at = await directory.opened_at(current.case_id)
    return await uow.run(work)

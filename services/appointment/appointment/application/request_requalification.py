"""Use case: propose a remote modality for one appointment and ask its beneficiary to consent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from appointment.application.access import party_of, reachable_appointment
from appointment.application.errors import ConflictError, ForbiddenError, NotFoundError
from appointment.application.ports import (
    AppointmentQueries,
    AppointmentTransaction,
    CaseDirectory,
    UnitOfWork,
)
from appointment.domain.booking import Appointment, BookingError
from appointment.domain.notices import Template, appointment_notice
from jalon_shared.access import Principal
from jalon_shared.events.vocabulary import Modality


@dataclass(frozen=True, slots=True)
class RequestRequalification:
    """The appointment and the remote modality proposed."""

    appointment_id: UUID
    modality: Modality


def consent_notice_tag(appointment: Appointment) -> str:
    """Return what makes a consent request's notice unique: its proposal's time."""
    change = appointment.pending_change
    if change is None:
        return ""
    if change.closure_id is not None:
        return str(change.closure_id)
    return change.requested_at.strftime("%Y%m%dT%H%M%S%f")


async def request_requalification(
    uow: UnitOfWork,
    queries: AppointmentQueries,
    directory: CaseDirectory,
    principal: Principal,
    command: RequestRequalification,
    *,
    now: datetime,
) -> Appointment:
    """Record the proposal and queue the consent request to the beneficiary."""
    by = party_of(principal)
    if not principal.is_staff:
        raise ForbiddenError("staff propose a change of modality")
    await reachable_appointment(
        directory, principal, await queries.appointment(command.appointment_id)
    )

    async def work(tx: AppointmentTransaction) -> Appointment:
        appointment = await tx.appointment(command.appointment_id)
        if appointment is None:
            raise NotFoundError("no such appointment")
        try:
            proposed = appointment.requalification_requested(command.modality, by=by, now=now)
        except BookingError as exc:
            raise ConflictError(exc.reason, str(exc)) from exc
        await tx.replace(proposed)
        tx.notify(
            appointment_notice(
                Template.CONSENT_REQUESTED,
                appointment_id=proposed.appointment_id,
                beneficiary_id=proposed.beneficiary_id,
                sequence=proposed.sequence,
                now=now,
                tag=consent_notice_tag(proposed),
            )
        )
        return proposed

    return await uow.run(work)

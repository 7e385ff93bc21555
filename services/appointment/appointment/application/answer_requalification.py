"""Use case: record the beneficiary's answer to a proposed remote modality, with its time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from appointment.application import events
from appointment.application.access import reachable_appointment
from appointment.application.errors import ConflictError, ForbiddenError, NotFoundError
from appointment.application.offer_freed_slot import offer_freed_slot
from appointment.application.ports import (
    AppointmentQueries,
    AppointmentTransaction,
    CaseDirectory,
    UnitOfWork,
)
from appointment.domain.booking import Appointment, BookingError, Party, Status
from appointment.domain.notices import Template
from jalon_shared.access import Principal, Role
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import ConsentAnswer, Modality


@dataclass(frozen=True, slots=True)
class AnswerRequalification:
    """The answer; accepting may pick phone rather than video (or the reverse)."""

    appointment_id: UUID
    answer: ConsentAnswer
    modality: Modality | None = None


async def answer_requalification(
    uow: UnitOfWork,
    queries: AppointmentQueries,
    directory: CaseDirectory,
    principal: Principal,
    command: AnswerRequalification,
    *,
    now: datetime,
    meta: EventMeta,
) -> Appointment:
    """Apply the answer: the change, nothing, or a cancellation, as the beneficiary chose."""
    # The beneficiary answers for themselves; their counsellor may record an answer given
    # by phone, marked as such, never a beneficiary's answer in their name.
    if principal.role is Role.COUNSELLOR:
        if command.answer not in (ConsentAnswer.ACCEPTED_BY_PHONE, ConsentAnswer.REFUSED_KEPT):
            raise ForbiddenError("staff record an answer given by phone only")
    elif principal.role is Role.BENEFICIARY:
        if command.answer is ConsentAnswer.ACCEPTED_BY_PHONE:
            raise ForbiddenError("this answer is recorded by the counsellor")
    elif principal.role is not Role.SERVICE:
        raise ForbiddenError("only the beneficiary or their counsellor answer")
    if principal.role is not Role.SERVICE:
        await reachable_appointment(
            directory, principal, await queries.appointment(command.appointment_id)
        )

    async def work(tx: AppointmentTransaction) -> Appointment:
        appointment = await tx.appointment(command.appointment_id)
        if appointment is None:
            raise NotFoundError("no such appointment")
        try:
            answered, record = appointment.consent_given(
                command.answer, now=now, modality=command.modality
            )
        except BookingError as exc:
            raise ConflictError(exc.reason, str(exc)) from exc
        tx.publish(events.modality_changed(answered, record, meta))
        if answered.status is Status.CANCELLED:
            await tx.replace(answered, [])
            tx.publish(events.cancelled(answered, meta, Party.BENEFICIARY))
            tx.notify(*events.confirmation(Template.CANCELLED, answered, now))
            await offer_freed_slot(tx, appointment, now)
        else:
            await tx.replace(answered)
            if record.applied:
                tx.notify(*events.confirmation(Template.MODALITY_CHANGED, answered, now))
        return answered

    return await uow.run(work)

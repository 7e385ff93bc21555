"""Use case: apply one batch of a site closure, so a restart resumes it without loss or double."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from appointment.application.errors import NotFoundError
from appointment.application.ports import AppointmentTransaction, Clock, UnitOfWork
from appointment.application.request_requalification import consent_notice_tag
from appointment.domain.booking import BookingError, Party
from appointment.domain.closure import ClosureStatus, SiteClosure
from appointment.domain.notices import Template, appointment_notice

#: Appointments handled per transaction: small enough to commit fast on the embedded server.
BATCH = 20


async def advance_site_closure(
    uow: UnitOfWork, closure_id: UUID, *, now: datetime, batch: int = BATCH
) -> SiteClosure:
    """Propose the remote modality to the next batch and move the cursor, in one transaction."""

    async def work(tx: AppointmentTransaction) -> SiteClosure:
        closure = await tx.closure(closure_id)
        if closure is None:
            raise NotFoundError("no such closure")
        if closure.status is ClosureStatus.DONE:
            return closure
        found = await tx.face_to_face_at(
            closure.site, closure.starts_at, closure.ends_at, after=closure.cursor, limit=batch
        )
        handled = 0
        for appointment in found:
            change = appointment.pending_change
            if change is not None and change.closure_id == closure.closure_id:
                continue
            try:
                proposed = appointment.requalification_requested(
                    closure.to_modality, by=Party.MANAGER, now=now, closure_id=closure.closure_id
                )
            except BookingError:
                # Already past, or already remote: nothing to ask.
                continue
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
            handled += 1
        advanced = closure.advanced(
            handled,
            found[-1].appointment_id if found else None,
            finished=len(found) < batch,
        )
        await tx.save_closure(advanced)
        return advanced

    return await uow.run(work)


async def run_site_closure(
    uow: UnitOfWork, closure_id: UUID, clock: Clock, *, batch: int = BATCH
) -> SiteClosure:
    """Apply a closure batch after batch until it is done."""
    closure = await advance_site_closure(uow, closure_id, now=clock(), batch=batch)
    while closure.status is ClosureStatus.RUNNING:
        closure = await advance_site_closure(uow, closure_id, now=clock(), batch=batch)
    return closure

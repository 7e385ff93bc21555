"""Use case: an erased beneficiary's registrations go; the seats they held are given on."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from appointment.application.collective_ports import (
    Clock,
    CollectiveTransaction,
    CollectiveUnitOfWork,
)
from appointment.application.collective_steps import give_freed_seat
from appointment.domain.collective import RegistrationStatus
from jalon_shared.events.envelope import EventMeta


async def erase_registrations_in(
    tx: CollectiveTransaction, beneficiary_id: UUID, *, now: datetime, meta: EventMeta
) -> int:
    """Delete the person's registrations in a transaction already open; count them."""
    for registration in await tx.registrations_of(beneficiary_id):
        if registration.status is not RegistrationStatus.REGISTERED:
            continue
        session = await tx.session(registration.session_id)
        # Past sessions keep their figures; a coming one frees the seat or promotes the next.
        if session is not None and session.is_open(now):
            await give_freed_seat(tx, session, now=now, meta=meta)
    # No event names the erased person afresh: only the promoted people's are published.
    return await tx.delete_registrations_of(beneficiary_id)


async def erase_collective_registrations(
    beneficiary_id: UUID, *, uow: CollectiveUnitOfWork, clock: Clock, meta: EventMeta
) -> int:
    """Erase a beneficiary's registrations (intake.beneficiary_erased); idempotent."""

    async def work(tx: CollectiveTransaction) -> int:
        return await erase_registrations_in(tx, beneficiary_id, now=clock(), meta=meta)

    return await uow.run(work)

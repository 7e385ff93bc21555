"""Use case: a beneficiary cancels their own registration; a freed seat promotes the waitlist."""

from __future__ import annotations

from uuid import UUID

from appointment.application.collective_ports import (
    Clock,
    CollectiveTransaction,
    CollectiveUnitOfWork,
)
from appointment.application.collective_steps import (
    domain_rules,
    give_freed_seat,
    own_id,
    registration_event,
    session_for_change,
)
from appointment.application.errors import NotFoundError
from appointment.domain.collective import Registration
from jalon_shared.access import Principal
from jalon_shared.events.envelope import EventMeta


async def cancel_registration(
    session_id: UUID,
    *,
    principal: Principal,
    uow: CollectiveUnitOfWork,
    clock: Clock,
    meta: EventMeta,
) -> Registration:
    """Cancel the caller's active registration before the session starts."""
    beneficiary_id = own_id(principal)

    async def work(tx: CollectiveTransaction) -> Registration:
        session = await session_for_change(tx, session_id)
        registration = await tx.active_registration(session_id, beneficiary_id)
        if registration is None:
            raise NotFoundError("you hold no registration for this session")
        now = clock()
        with domain_rules():
            cancelled = registration.cancelled(session, now)
        await tx.save_registration(cancelled)
        tx.publish(registration_event(cancelled, session, "cancelled", meta=meta, at=now))
        if registration.seated:
            await give_freed_seat(tx, session, now=now, meta=meta)
        return cancelled

    return await uow.run(work)

"""Use case: staff of the region record whether a registered person came, once it started."""

from __future__ import annotations

from uuid import UUID

from appointment.application.collective_ports import (
    Clock,
    CollectiveTransaction,
    CollectiveUnitOfWork,
)
from appointment.application.collective_steps import (
    check_staff_reach,
    domain_rules,
    registration_event,
    session_for_change,
)
from appointment.application.errors import NotFoundError
from appointment.domain.collective import Registration
from jalon_shared.access import Principal
from jalon_shared.events.envelope import EventMeta


async def mark_attendance(
    session_id: UUID,
    registration_id: UUID,
    *,
    attended: bool,
    principal: Principal,
    uow: CollectiveUnitOfWork,
    clock: Clock,
    meta: EventMeta,
) -> Registration:
    """Mark a seated registration attended or absent; the session counts as held from then."""

    async def work(tx: CollectiveTransaction) -> Registration:
        session = await session_for_change(tx, session_id)
        check_staff_reach(principal, session, manage=False)
        registration = await tx.registration(registration_id)
        if registration is None or registration.session_id != session_id:
            raise NotFoundError("registration not found for this session")
        now = clock()
        with domain_rules():
            held = session.held(now)
            marked = registration.marked(attended=attended, session=session, now=now)
        if held.status is not session.status:
            await tx.save_session(held)
        if marked.status is not registration.status:
            # A correction (absent -> attended) is a change too; marking twice the same is not.
            await tx.save_registration(marked)
            tx.publish(registration_event(marked, held, marked.status.value, meta=meta, at=now))
        return marked

    return await uow.run(work)

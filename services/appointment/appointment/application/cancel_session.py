"""Use case: a manager cancels a session; every active registration ends and is told."""

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
from appointment.domain.collective import ACTIVE, CollectiveSession
from appointment.domain.notices import Template, session_notice
from jalon_shared.access import Principal
from jalon_shared.events.envelope import EventMeta


async def cancel_session(
    session_id: UUID,
    *,
    principal: Principal,
    uow: CollectiveUnitOfWork,
    clock: Clock,
    meta: EventMeta,
) -> CollectiveSession:
    """Cancel a session that has not taken place; its registrations are cancelled with it."""

    async def work(tx: CollectiveTransaction) -> CollectiveSession:
        session = await session_for_change(tx, session_id)
        check_staff_reach(principal, session, manage=True)
        now = clock()
        with domain_rules():
            cancelled = session.cancelled(now)
        await tx.save_session(cancelled)
        registrants = await tx.registrations(session_id, ACTIVE)
        dropped = [r.dropped() for r in registrants]
        await tx.save_registrations(dropped)
        tx.publish(
            *(registration_event(r, cancelled, "cancelled", meta=meta, at=now) for r in dropped)
        )
        tx.notify(
            *(
                session_notice(
                    Template.SESSION_CANCELLED,
                    session_id=session_id,
                    beneficiary_id=r.beneficiary_id,
                    now=now,
                    tag=f"seq{cancelled.sequence}",
                )
                for r in dropped
            )
        )
        return cancelled

    return await uow.run(work)

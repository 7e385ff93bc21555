"""Use case: a manager moves a session to phone or video; every registrant is told."""

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
    session_for_change,
)
from appointment.domain.collective import ACTIVE, CollectiveSession
from appointment.domain.notices import Template, session_notice
from jalon_shared.access import Principal
from jalon_shared.events.vocabulary import Modality


async def requalify_session(
    session_id: UUID,
    modality: Modality,
    *,
    principal: Principal,
    uow: CollectiveUnitOfWork,
    clock: Clock,
) -> CollectiveSession:
    """Requalify a scheduled session ahead; registrants stay registered unless they cancel."""

    async def work(tx: CollectiveTransaction) -> CollectiveSession:
        session = await session_for_change(tx, session_id)
        check_staff_reach(principal, session, manage=True)
        now = clock()
        with domain_rules():
            moved = session.requalified(modality, now)
        await tx.save_session(moved)
        registrants = await tx.registrations(session_id, ACTIVE)
        # Tagged with the sequence: a second requalification is a second message.
        tx.notify(
            *(
                session_notice(
                    Template.SESSION_REQUALIFIED,
                    session_id=session_id,
                    beneficiary_id=r.beneficiary_id,
                    now=now,
                    tag=f"seq{moved.sequence}",
                )
                for r in registrants
            )
        )
        return moved

    return await uow.run(work)

"""Use case: close a case with a reason; reporting gets the path duration and type."""

from __future__ import annotations

from uuid import UUID

from intake.application.case_steps import actor_of, case_closed, load_for_change, schedule_purge
from intake.application.ports import Clock, IntakeTransaction, UnitOfWork
from intake.domain.model import Case
from jalon_shared.access import Principal
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import CloseReason


async def close_case(
    case_id: UUID,
    reason: CloseReason,
    *,
    principal: Principal,
    uow: UnitOfWork,
    clock: Clock,
    meta: EventMeta,
) -> Case:
    """Close the case, free its counsellor's slot and announce the closing."""

    async def work(tx: IntakeTransaction) -> Case:
        case = await load_for_change(tx, case_id, principal)
        now = clock()
        path_days = case.close(reason, actor_of(principal), now)
        await tx.save_case(case)
        if case.counsellor_id is not None:
            await tx.adjust_open_cases(case.counsellor_id, -1)
        await schedule_purge(tx, case)
        tx.emit(case_closed(case, meta=meta, at=now, reason=reason, path_days=path_days))
        return case

    return await uow.run(work)

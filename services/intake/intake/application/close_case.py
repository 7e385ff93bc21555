"""Use case: close a case with a reason; reporting gets the path duration and type."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from intake.application.case_steps import actor_of, case_closed, load_for_change, schedule_purge
from intake.application.ports import Clock, IntakeTransaction, UnitOfWork
from intake.application.survey_steps import offer_end_of_level, schedule_follow_up
from intake.domain.model import Case
from intake.domain.surveys import FOLLOW_UP_AFTER
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
    follow_up_after: timedelta = FOLLOW_UP_AFTER,
) -> Case:
    """Close the case, free its counsellor's slot, offer its surveys and announce the closing."""

    async def work(tx: IntakeTransaction) -> Case:
        case = await load_for_change(tx, case_id, principal)
        now = clock()
        path_days = case.close(reason, actor_of(principal), now)
        # Every closing ends the current level, whatever the reason: the person's view of the
        # path counts as much when they left it early or were redirected.
        await offer_end_of_level(tx, case, case.service_level, at=now, producer=meta.producer)
        await schedule_follow_up(tx, case, at=now, after=follow_up_after)
        await tx.save_case(case)
        if case.counsellor_id is not None:
            await tx.adjust_open_cases(case.counsellor_id, -1)
        await schedule_purge(tx, case)
        tx.emit(case_closed(case, meta=meta, at=now, reason=reason, path_days=path_days))
        return case

    return await uow.run(work)

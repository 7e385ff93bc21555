"""Use case: the counsellor requalifies a case's service level."""

from __future__ import annotations

from uuid import UUID

from intake.application.case_steps import actor_of, load_for_change
from intake.application.ports import Clock, IntakeTransaction, UnitOfWork
from intake.application.survey_steps import offer_end_of_level
from intake.domain.model import Case
from intake.domain.surveys import level_ended
from jalon_shared.access import Principal
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.intake import ServiceLevelChanged
from jalon_shared.events.vocabulary import ServiceLevel


async def change_service_level(
    case_id: UUID,
    level: ServiceLevel,
    *,
    principal: Principal,
    uow: UnitOfWork,
    clock: Clock,
    meta: EventMeta,
) -> Case:
    """Change the level, offer the ended level's survey, and announce it for reporting."""

    async def work(tx: IntakeTransaction) -> Case:
        case = await load_for_change(tx, case_id, principal)
        now = clock()
        previous = case.change_level(level, actor_of(principal), now)
        if level_ended(previous, level):
            await offer_end_of_level(tx, case, previous, at=now, producer=meta.producer)
        await tx.save_case(case)
        tx.emit(
            ServiceLevelChanged(
                **meta.envelope(),
                occurred_at=now,
                case_id=case.case_id,
                beneficiary_id=case.beneficiary_id,
                previous_level=previous,
                service_level=level,
                region=case.region,
                site=case.site,
            )
        )
        return case

    return await uow.run(work)

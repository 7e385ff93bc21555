"""Use case: hand a case over to another counsellor of the region, keeping its history."""

from __future__ import annotations

from uuid import UUID

from intake.application.case_steps import actor_of, load_for_change
from intake.application.errors import NotFoundError
from intake.application.ports import Clock, IntakeTransaction, UnitOfWork
from intake.domain.model import Case, DomainError
from jalon_shared.access import Principal
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.intake import CaseReassigned


async def reassign_case(
    case_id: UUID,
    to_counsellor_id: str,
    *,
    principal: Principal,
    uow: UnitOfWork,
    clock: Clock,
    meta: EventMeta,
) -> Case:
    """Move the case to the new counsellor and both caseload counts with it."""

    async def work(tx: IntakeTransaction) -> Case:
        case = await load_for_change(tx, case_id, principal)
        target = await tx.counsellor(to_counsellor_id)
        if target is None or not target.active:
            raise NotFoundError("unknown or inactive counsellor")
        if target.region != case.region:
            raise DomainError("the counsellor works in another region")
        now = clock()
        actor = actor_of(principal)
        previous = case.reassign(target.counsellor_id, actor, now)
        await tx.save_case(case)
        if previous is not None:
            await tx.adjust_open_cases(previous, -1)
        await tx.adjust_open_cases(target.counsellor_id, +1)
        tx.emit(
            CaseReassigned(
                **meta.envelope(),
                occurred_at=now,
                case_id=case.case_id,
                beneficiary_id=case.beneficiary_id,
                from_counsellor_id=previous,
                to_counsellor_id=target.counsellor_id,
                # Staff only reach this point; staff ids are directory data, fine in events.
                reassigned_by=f"{actor.role}:{actor.staff_id}",
                region=case.region,
                site=case.site,
            )
        )
        return case

    return await uow.run(work)

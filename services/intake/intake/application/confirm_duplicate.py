"""Use case: the counsellor confirms a possible duplicate is their case's person."""

from __future__ import annotations

from uuid import UUID

from intake.application.case_steps import actor_of, load_for_change, load_pending_duplicate
from intake.application.ports import Clock, IntakeTransaction, UnitOfWork
from jalon_shared.access import Principal
from jalon_shared.events.vocabulary import ReviewStatus


async def confirm_duplicate(
    case_id: UUID, request_id: UUID, *, principal: Principal, uow: UnitOfWork, clock: Clock
) -> None:
    """Join the request to the case and drop the provisional record of the typed details."""

    async def work(tx: IntakeTransaction) -> None:
        case = await load_for_change(tx, case_id, principal)
        request, review = await load_pending_duplicate(tx, case, request_id)
        now = clock()
        provisional = request.beneficiary_id
        request.beneficiary_id = case.beneficiary_id
        request.case_id = case.case_id
        request.review = review.model_copy(
            update={"status": ReviewStatus.CONFIRMED, "decided_at": now}
        )
        # It is now one of the case's requests, kept as long as the case.
        request.purge_at = case.purge_at
        case.duplicate_reviewed(same_person=True, by=actor_of(principal), at=now)
        await tx.save_request(request)
        await tx.save_case(case)
        record = await tx.beneficiary(provisional)
        if record is not None and record.provisional:
            await tx.delete_beneficiary(provisional)

    await uow.run(work)

"""Use case: the counsellor says a possible duplicate is someone else; they get their own case."""

from __future__ import annotations

from uuid import UUID

from intake.application.case_steps import (
    actor_of,
    load_for_change,
    load_pending_duplicate,
    open_case,
)
from intake.application.errors import NotFoundError
from intake.application.ports import Clock, IntakeTransaction, UnitOfWork
from jalon_shared.access import Principal
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import ReviewStatus


async def reject_duplicate(
    case_id: UUID,
    request_id: UUID,
    *,
    principal: Principal,
    uow: UnitOfWork,
    clock: Clock,
    meta: EventMeta,
) -> None:
    """Make the provisional record a beneficiary and open and assign a case for the request."""

    async def work(tx: IntakeTransaction) -> None:
        case = await load_for_change(tx, case_id, principal)
        request, review = await load_pending_duplicate(tx, case, request_id)
        person = await tx.beneficiary(request.beneficiary_id)
        if person is None:
            raise NotFoundError("the details of this request were purged")
        now = clock()
        actor = actor_of(principal)
        person.provisional = False
        person.purge_at = None
        request.review = review.model_copy(
            update={"status": ReviewStatus.REJECTED, "decided_at": now}
        )
        request.purge_at = None
        case.duplicate_reviewed(same_person=False, by=actor, at=now)
        await tx.save_beneficiary(person)
        await tx.save_case(case)
        await open_case(
            tx,
            request,
            languages=person.languages,
            by=actor,
            at=now,
            meta=meta,
            new_request=False,
            # The details were provisional until now: nobody's, so no earlier case.
            returning=False,
        )

    await uow.run(work)

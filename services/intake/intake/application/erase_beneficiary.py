"""Use case: erase a beneficiary (GDPR), and tell every service to do the same."""

from __future__ import annotations

from uuid import UUID, uuid4

from intake.application.case_steps import case_closed
from intake.application.errors import ForbiddenError, NotFoundError
from intake.application.ports import Clock, IntakeTransaction, UnitOfWork
from intake.domain.model import Actor
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.intake import BeneficiaryErased
from jalon_shared.events.vocabulary import CloseReason


async def erase_beneficiary(
    beneficiary_id: UUID,
    *,
    erased_by: Actor,
    uow: UnitOfWork,
    clock: Clock,
    meta: EventMeta,
    region: str | None = None,
) -> int:
    """Delete personal data, close open cases and keep cases only as anonymous stubs."""

    async def work(tx: IntakeTransaction) -> int:
        beneficiary = await tx.beneficiary(beneficiary_id)
        cases = await tx.cases_of(beneficiary_id)
        if beneficiary is None and not cases:
            raise NotFoundError("no data held about this beneficiary")
        former_ids = tuple(case.case_id for case in cases)
        requests = await tx.requests_of(beneficiary_id)
        if region is not None:
            # A manager erases only people followed in their region and nowhere else.
            regions = {case.region for case in cases} | {r.region for r in requests}
            if regions != {region}:
                raise ForbiddenError("the beneficiary is not followed in your region alone")
        now = clock()
        # Requests flagged on the person's cases: undecided ones are deleted with their typed
        # details; those found to be someone else's keep no trace of this person's case.
        for flagged in await tx.requests_flagged_on(former_ids):
            if flagged.awaits_review:
                await tx.delete_request(flagged.request_id)
                stranger = await tx.beneficiary(flagged.beneficiary_id)
                if stranger is not None and stranger.provisional:
                    await tx.delete_beneficiary(stranger.beneficiary_id)
            elif flagged.beneficiary_id != beneficiary_id:
                flagged.review = None
                await tx.save_request(flagged)
        for case in cases:
            if case.is_open:
                path_days = case.close(CloseReason.BENEFICIARY_WITHDREW, erased_by, now)
                if case.counsellor_id is not None:
                    await tx.adjust_open_cases(case.counsellor_id, -1)
                tx.emit(
                    case_closed(
                        case,
                        meta=meta,
                        at=now,
                        reason=CloseReason.BENEFICIARY_WITHDREW,
                        path_days=path_days,
                    )
                )
            # The stub keeps counts and history for the counsellor, under ids no event names.
            await tx.delete_case(case.case_id)
            case.forget_beneficiary(stub_case_id=uuid4(), stub_beneficiary_id=uuid4())
            await tx.save_case(case)
        await tx.delete_requests_of(beneficiary_id)
        # Pending, scheduled and answered alike: the answers already left, with no id.
        await tx.delete_surveys_of(beneficiary_id)
        await tx.delete_beneficiary(beneficiary_id)
        tx.emit(
            BeneficiaryErased(
                **meta.envelope(),
                occurred_at=now,
                beneficiary_id=beneficiary_id,
                case_ids=former_ids,
            )
        )
        return len(cases)

    return await uow.run(work)

"""Use case: erase a beneficiary (GDPR), and tell every service to do the same."""

from __future__ import annotations

from uuid import UUID, uuid4

from intake.application.errors import ForbiddenError, NotFoundError
from intake.application.manage_case import case_closed
from intake.application.ports import Clock, IntakeTransaction, UnitOfWork
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.intake import BeneficiaryErased
from jalon_shared.events.vocabulary import CaseStatus, CloseReason


async def erase_beneficiary(
    beneficiary_id: UUID,
    *,
    erased_by: str,
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
        if region is not None:
            # A manager acts only for people followed in their region and nowhere else, so no
            # manager can erase someone another region still follows.
            requests = await tx.requests_of(beneficiary_id)
            regions = {case.region for case in cases} | {r.region for r in requests}
            if regions != {region}:
                raise ForbiddenError("the beneficiary is not followed in your region alone")
        now = clock()
        for case in cases:
            if case.status is not CaseStatus.CLOSED:
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
            # The stub keeps counts and history for the counsellor, with no link to the person.
            case.forget_beneficiary(uuid4())
            await tx.save_case(case)
        await tx.delete_requests_of(beneficiary_id)
        await tx.delete_beneficiary(beneficiary_id)
        tx.emit(
            BeneficiaryErased(**meta.envelope(), occurred_at=now, beneficiary_id=beneficiary_id)
        )
        return len(cases)

    return await uow.run(work)

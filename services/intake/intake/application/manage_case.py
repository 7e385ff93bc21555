"""Shared steps of the case-changing use cases: load and check, and announce a closing."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from intake.application.access import may_manage
from intake.application.errors import ForbiddenError, NotFoundError
from intake.application.ports import IntakeTransaction
from intake.domain.model import Case
from jalon_shared.access import Principal
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.intake import CaseClosed
from jalon_shared.events.vocabulary import CloseReason


async def load_for_change(tx: IntakeTransaction, case_id: UUID, principal: Principal) -> Case:
    """Return the case if the caller may change it."""
    case = await tx.case(case_id)
    if case is None:
        raise NotFoundError("unknown case")
    if not may_manage(principal, case):
        raise ForbiddenError("not your case")
    return case


def case_closed(
    case: Case, *, meta: EventMeta, at: datetime, reason: CloseReason, path_days: int
) -> CaseClosed:
    """Return the event announcing a case's closing, with its path duration and level."""
    return CaseClosed(
        **meta.envelope(),
        occurred_at=at,
        case_id=case.case_id,
        beneficiary_id=case.beneficiary_id,
        counsellor_id=case.counsellor_id,
        region=case.region,
        site=case.site,
        csp=case.csp,
        service_level=case.service_level,
        reason=reason,
        path_days=path_days,
    )


async def schedule_purge(tx: IntakeTransaction, case: Case) -> None:
    """Start the retention clock of a closed case's requests, and of its beneficiary if idle."""
    if case.purge_at is None:
        return
    await tx.schedule_request_purge(case.case_id, case.purge_at)
    if await tx.open_case_of(case.beneficiary_id) is not None:
        return
    beneficiary = await tx.beneficiary(case.beneficiary_id)
    if beneficiary is not None:
        beneficiary.purge_at = case.purge_at
        await tx.save_beneficiary(beneficiary)

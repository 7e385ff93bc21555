"""Shared step of the case-changing use cases: load the case and check the caller."""

from __future__ import annotations

from uuid import UUID

from intake.application.access import may_manage
from intake.application.errors import ForbiddenError, NotFoundError
from intake.application.ports import IntakeTransaction
from intake.domain.model import Case
from jalon_shared.auth import Principal


async def load_for_change(tx: IntakeTransaction, case_id: UUID, principal: Principal) -> Case:
    """Return the case if the caller may change it."""
    case = await tx.case(case_id)
    if case is None:
        raise NotFoundError("unknown case")
    if not may_manage(principal, case):
        raise ForbiddenError("not your case")
    return case

"""Use case: read one case with its full history."""

from __future__ import annotations

from uuid import UUID

from intake.application.access import may_read
from intake.application.errors import ForbiddenError, NotFoundError
from intake.application.ports import IntakeQueries
from intake.domain.model import Case
from jalon_shared.access import Principal


async def get_case(case_id: UUID, *, principal: Principal, queries: IntakeQueries) -> Case:
    """Return the case if the caller may read it."""
    case = await queries.case(case_id)
    if case is None:
        raise NotFoundError("unknown case")
    if not may_read(principal, case):
        raise ForbiddenError("not your case")
    return case

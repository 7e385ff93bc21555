"""Use case: a counsellor publishes their weekly plan, rules and dated exceptions."""

from __future__ import annotations

from datetime import datetime

from appointment.application.errors import ForbiddenError, InvalidInputError
from appointment.application.ports import (
    AppointmentQueries,
    AppointmentTransaction,
    CaseDirectory,
    UnitOfWork,
)
from appointment.domain.availability import REMOTE, Plan
from jalon_shared.access import Principal, Role


async def my_plan(queries: AppointmentQueries, principal: Principal) -> Plan | None:
    """Return the calling counsellor's plan, if they published one."""
    if principal.role is not Role.COUNSELLOR:
        raise ForbiddenError("a plan is a counsellor's own")
    return await queries.plan(principal.sub)


async def set_availability(
    uow: UnitOfWork,
    directory: CaseDirectory,
    principal: Principal,
    plan: Plan,
    *,
    now: datetime,
) -> Plan:
    """Store the plan after checking its sites belong to the counsellor's region."""
    if principal.role is not Role.COUNSELLOR:
        raise ForbiddenError("a counsellor edits their own plan")
    region = principal.region or await directory.counsellor_region(principal.sub)
    places = {w.place for w in plan.windows} | {e.place for e in plan.exceptions}
    for place in sorted(places - {REMOTE}):
        if region is None or not await directory.site_in_region(region, place):
            raise InvalidInputError("windows.place", "unknown_site", "no such site in your region")

    async def work(tx: AppointmentTransaction) -> Plan:
        await tx.save_plan(principal.sub, plan, now=now)
        return plan

    return await uow.run(work)

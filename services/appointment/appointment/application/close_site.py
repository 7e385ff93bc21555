"""Use case: a manager closes a site for a period; its face-to-face appointments go remote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from appointment.application.errors import ConflictError, ForbiddenError, InvalidInputError
from appointment.application.ports import (
    AppointmentQueries,
    AppointmentTransaction,
    CaseDirectory,
    UnitOfWork,
)
from appointment.domain.booking import BookingError
from appointment.domain.closure import SiteClosure
from jalon_shared.access import Principal, Role
from jalon_shared.events.vocabulary import Modality


@dataclass(frozen=True, slots=True)
class CloseSite:
    """The site, the period and the modality proposed to its appointments."""

    site: str
    starts_at: datetime
    ends_at: datetime
    to_modality: Modality


async def close_site(
    uow: UnitOfWork,
    queries: AppointmentQueries,
    directory: CaseDirectory,
    principal: Principal,
    command: CloseSite,
    *,
    now: datetime,
) -> SiteClosure:
    """Record the closure with its count; a runner then proposes the change batch by batch."""
    if principal.role is not Role.MANAGER or principal.region is None:
        raise ForbiddenError("a regional manager closes a site")
    if command.ends_at <= command.starts_at:
        raise InvalidInputError("ends_at", "ends_before_start", "a closure ends after it starts")
    if command.ends_at <= now:
        raise InvalidInputError("ends_at", "in_the_past", "a closure ends ahead")
    if not await directory.site_in_region(principal.region, command.site):
        raise InvalidInputError("site", "site_not_in_region", "no such site in your region")
    try:
        closure = SiteClosure(
            closure_id=uuid4(),
            region=principal.region,
            site=command.site,
            starts_at=max(command.starts_at, now),
            ends_at=command.ends_at,
            to_modality=command.to_modality,
            requested_by=principal.sub,
            created_at=now,
            total=await queries.count_face_to_face_at(
                command.site, max(command.starts_at, now), command.ends_at
            ),
        )
    except BookingError as exc:
        field = "to_modality" if exc.reason == "not_remote" else "ends_at"
        raise InvalidInputError(field, exc.reason, str(exc)) from exc
    overlapping = [
        c
        for c in await queries.closures_at(command.site, closure.starts_at, closure.ends_at)
        if c.status.value == "running"
    ]
    if overlapping:
        raise ConflictError("closure_running", "a closure of this site is still being applied")

    async def work(tx: AppointmentTransaction) -> SiteClosure:
        await tx.save_closure(closure)
        return closure

    return await uow.run(work)

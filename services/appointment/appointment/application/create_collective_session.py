"""Use case: a manager plans a collective information session in their region."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from appointment.application.collective_ports import (
    Clock,
    CollectiveDirectory,
    CollectiveTransaction,
    CollectiveUnitOfWork,
)
from appointment.application.collective_steps import check_staff_reach, domain_rules, staff_region
from appointment.application.errors import InvalidInputError
from appointment.domain.collective import CollectiveSession
from jalon_shared.access import Principal
from jalon_shared.events.vocabulary import Modality


@dataclass(frozen=True, slots=True)
class SessionDraft:
    """What the manager filled in; the region is their token's, never the form's."""

    title: str
    partner: str | None
    modality: Modality
    site: str | None
    starts_at: datetime
    ends_at: datetime
    capacity: int


async def create_collective_session(
    draft: SessionDraft,
    *,
    principal: Principal,
    uow: CollectiveUnitOfWork,
    directory: CollectiveDirectory,
    clock: Clock,
) -> CollectiveSession:
    """Check the draft and the site against the reference data, then store the session."""
    region = staff_region(principal)
    with domain_rules():
        session = CollectiveSession.plan(
            session_id=uuid4(),
            title=draft.title,
            partner=draft.partner,
            region=region,
            site=draft.site,
            modality=draft.modality,
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
            capacity=draft.capacity,
            created_by=principal.sub,
            now=clock(),
        )
    check_staff_reach(principal, session, manage=True)
    if session.site is not None:
        problem = await directory.place_problem(region, session.site)
        if problem is not None:
            raise InvalidInputError(problem.field, problem.type, problem.message)

    async def work(tx: CollectiveTransaction) -> CollectiveSession:
        await tx.add_session(session)
        return session

    return await uow.run(work)

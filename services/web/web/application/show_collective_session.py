"""Use case: one session for staff, its registrants named where the caller may see their file."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from uuid import UUID

import structlog

from web.application.collective_ports import CollectiveApi, reachable
from web.application.collective_views import CollectiveSession, SessionRegistration
from web.application.errors import ApiError
from web.application.ports import IntakeApi
from web.application.show_collective_sessions import site_names
from web.application.views import Region
from web.domain.sessions import Session

log = structlog.get_logger(__name__)

#: Names are read from intake case by case: past this many, registrants show by number only.
NAMED_AT_MOST = 100
#: Calls to intake in flight at once while naming registrants.
NAMING_CALLS = 8


@dataclass(frozen=True, slots=True)
class Participant:
    """A registration, with the person's name when their case is readable by the caller."""

    registration: SessionRegistration
    name: str | None
    #: Their order of arrival among the session's registrations, to tell people apart unnamed.
    number: int


@dataclass(frozen=True, slots=True)
class SessionPage:
    """A session with its participants, and the places' names."""

    session: CollectiveSession
    participants: list[Participant]
    site_labels: dict[str, str] = field(default_factory=dict)
    region: Region | None = None


async def names_of(session: Session, case_ids: list[UUID], *, intake: IntakeApi) -> dict[UUID, str]:
    """Return the names on cases the caller may read (a counsellor: their own caseload)."""
    gate = asyncio.Semaphore(NAMING_CALLS)

    async def name(case_id: UUID) -> tuple[UUID, str | None]:
        async with gate:
            try:
                case = await intake.case(session.token, case_id)
            except ApiError as exc:
                # Another counsellor's case is refused: the person shows by number.
                if exc.status not in (403, 404):
                    log.warning("registrant name unavailable", status=exc.status)
                return case_id, None
        return case_id, case.beneficiary.full_name if case.beneficiary else None

    found = await asyncio.gather(*(name(c) for c in case_ids[:NAMED_AT_MOST]))
    return {case_id: text for case_id, text in found if text}


async def show_collective_session(
    session: Session, session_id: UUID, *, collective: CollectiveApi | None, intake: IntakeApi
) -> SessionPage:
    """Read the session (raises ApiError), then name its registrants as far as allowed."""
    found = await reachable(collective).session(session.token, session_id)
    registrations = list(found.registrations or ())
    # Active and seated people first: they are the ones the page acts on.
    wanted = [r.case_id for r in registrations if r.case_id is not None and r.status != "cancelled"]
    names = await names_of(session, list(dict.fromkeys(wanted)), intake=intake)
    participants = [
        Participant(r, names.get(r.case_id) if r.case_id else None, number)
        for number, r in enumerate(registrations, start=1)
    ]
    labels, region = await site_names(session, intake=intake)
    return SessionPage(found, participants, labels, region)

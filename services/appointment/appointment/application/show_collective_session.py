"""Use case: one session: with its registrations for staff, with their own for a beneficiary."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from appointment.application.collective_ports import (
    Clock,
    CollectiveDirectory,
    CollectiveQueries,
    SessionLine,
)
from appointment.application.collective_steps import (
    UNKNOWN_SESSION,
    check_staff_reach,
    open_case_regions,
    own_id,
)
from appointment.application.errors import NotFoundError
from appointment.application.list_collective_sessions import OwnRegistration, own_registration
from appointment.domain.collective import Registration, RegistrationStatus, waitlist_rank
from jalon_shared.access import Principal


@dataclass(frozen=True, slots=True)
class Attendee:
    """A registration as staff see it: the person's case in the region links to their file."""

    registration: Registration
    case_id: UUID | None
    waitlist_rank: int | None


@dataclass(frozen=True, slots=True)
class SessionDetail:
    """A session; staff get every registration, a beneficiary only their own."""

    line: SessionLine
    own: OwnRegistration | None = None
    attendees: list[Attendee] | None = None


async def show_collective_session(
    session_id: UUID,
    *,
    principal: Principal,
    queries: CollectiveQueries,
    directory: CollectiveDirectory,
    clock: Clock,
) -> SessionDetail:
    """Return the session if the caller may see it; another region's is refused."""
    line = await queries.session(session_id)
    if line is None:
        raise NotFoundError(UNKNOWN_SESSION)
    registrations = await queries.registrations(session_id)
    waitlist = [r for r in registrations if r.status is RegistrationStatus.WAITLISTED]
    if principal.is_staff:
        check_staff_reach(principal, line.session, manage=False)
        cases = await directory.cases_in_region(
            {r.beneficiary_id for r in registrations}, line.session.region
        )
        return SessionDetail(
            line,
            attendees=[
                Attendee(r, cases.get(r.beneficiary_id), waitlist_rank(r, waitlist))
                for r in registrations
            ],
        )
    beneficiary_id = own_id(principal)
    mine = [r for r in registrations if r.beneficiary_id == beneficiary_id]
    regions = await open_case_regions(beneficiary_id, directory)
    # Another region's session is nobody's business: it answers as if it did not exist.
    if not mine and (line.session.region not in regions or not line.session.is_open(clock())):
        raise NotFoundError(UNKNOWN_SESSION)
    return SessionDetail(line, own=own_registration(mine, waitlist))

"""Use case: the sessions a caller sees: their region's for staff, open ones for a beneficiary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from appointment.application.collective_ports import (
    Clock,
    CollectiveDirectory,
    CollectiveQueries,
    SessionLine,
)
from appointment.application.collective_steps import open_case_regions, own_id, staff_region
from appointment.domain.collective import Registration, waitlist_rank
from jalon_shared.access import Principal

#: How long after its start a session stays listed: attendance and follow-up come afterwards.
LOOKBACK = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class OwnRegistration:
    """The caller's own registration for a session, with their rank when waitlisted."""

    registration: Registration
    waitlist_rank: int | None


@dataclass(frozen=True, slots=True)
class SessionListing:
    """One listed session; a beneficiary's carries their own registration, if any."""

    line: SessionLine
    own: OwnRegistration | None = None


def own_registration(
    mine: list[Registration], waitlist: list[Registration]
) -> OwnRegistration | None:
    """Return the registration to show: the active one, else the latest."""
    if not mine:
        return None
    chosen = max(mine, key=lambda r: (r.active, r.position))
    return OwnRegistration(chosen, waitlist_rank(chosen, waitlist))


async def list_collective_sessions(
    *,
    principal: Principal,
    queries: CollectiveQueries,
    directory: CollectiveDirectory,
    clock: Clock,
) -> list[SessionListing]:
    """Return staff their region's recent and coming sessions; a beneficiary, those open to them."""
    now = clock()
    if principal.is_staff:
        region = staff_region(principal)
        return [
            SessionListing(line)
            for line in await queries.of_region(region, starting_after=now - LOOKBACK)
        ]
    beneficiary_id = own_id(principal)
    regions = await open_case_regions(beneficiary_id, directory)
    lines = await queries.open_in(regions, now) if regions else []
    mine = await queries.registrations_of(beneficiary_id, starting_after=now - LOOKBACK)
    # Sessions they registered for stay visible once cancelled, held or out of their region.
    listed = {line.session.session_id for line in lines}
    others = {r.session_id for r in mine} - listed
    if others:
        lines = [*lines, *await queries.with_ids(others)]
    waitlists = await queries.waitlists({r.session_id for r in mine if r.active})
    return [
        SessionListing(
            line,
            own_registration(
                [r for r in mine if r.session_id == line.session.session_id],
                waitlists.get(line.session.session_id, []),
            ),
        )
        for line in sorted(lines, key=lambda line: line.session.starts_at)
    ]

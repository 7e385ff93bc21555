"""Who may reach a case or an appointment: the shared rules applied to this service's records."""

from __future__ import annotations

from uuid import UUID

from appointment.application.errors import ForbiddenError, NotFoundError
from appointment.application.ports import CaseDirectory
from appointment.domain.booking import Appointment, Party
from jalon_shared.access import Principal, Role, may_access_case, may_manage_case
from jalon_shared.directory.model import CaseEntry

#: Who a caller is for the booking policy.
PARTIES = {
    Role.BENEFICIARY: Party.BENEFICIARY,
    Role.COUNSELLOR: Party.COUNSELLOR,
    Role.MANAGER: Party.MANAGER,
}


def party_of(principal: Principal) -> Party:
    """Return the party a caller acts as."""
    party = PARTIES.get(principal.role)
    if party is None:
        raise ForbiddenError("services do not act on appointments")
    return party


async def reachable_case(
    directory: CaseDirectory, principal: Principal, case_id: UUID
) -> CaseEntry:
    """Return a case the caller may book for, or refuse; another person's case is not found."""
    case = await directory.case(case_id)
    if case is None or not may_access_case(
        principal,
        beneficiary_id=case.beneficiary_id,
        counsellor_id=case.counsellor_id,
        region=case.region,
    ):
        # Not found rather than forbidden: a case id does not confirm it exists to a stranger.
        raise NotFoundError("no such case")
    if principal.role is Role.MANAGER and not may_manage_case(
        principal, counsellor_id=case.counsellor_id, region=case.region
    ):
        raise ForbiddenError("this case is outside your region")
    return case


def may_see(principal: Principal, appointment: Appointment, case: CaseEntry | None) -> bool:
    """Return whether the caller may see an appointment (own, own caseload, own region)."""
    match principal.role:
        case Role.BENEFICIARY:
            return principal.sub == str(appointment.beneficiary_id)
        case Role.COUNSELLOR:
            return principal.sub == appointment.counsellor_id or (
                case is not None and case.counsellor_id == principal.sub
            )
        case Role.MANAGER:
            return principal.region is not None and principal.region == appointment.region
    return False


async def reachable_appointment(
    directory: CaseDirectory, principal: Principal, appointment: Appointment | None
) -> Appointment:
    """Return the appointment if the caller may see it, else refuse as not found."""
    if appointment is None:
        raise NotFoundError("no such appointment")
    case = None if principal.role is Role.BENEFICIARY else await directory.case(appointment.case_id)
    if not may_see(principal, appointment, case):
        raise NotFoundError("no such appointment")
    return appointment

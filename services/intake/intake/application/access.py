"""Who may read or change a case: shared by the case use cases."""

from __future__ import annotations

from intake.domain.model import Case
from jalon_shared.auth import Principal, Role


def may_read(principal: Principal, case: Case) -> bool:
    """Return whether the caller may read the case."""
    match principal.role:
        case Role.BENEFICIARY:
            return principal.sub == str(case.beneficiary_id)
        case Role.COUNSELLOR:
            return case.counsellor_id is not None and principal.sub == case.counsellor_id
        case Role.MANAGER:
            return principal.region == case.region
        case _:
            return False


def may_manage(principal: Principal, case: Case) -> bool:
    """Return whether the caller may change the case (its counsellor or a regional manager)."""
    return principal.role is not Role.BENEFICIARY and may_read(principal, case)


def actor(principal: Principal) -> str:
    """Return how the caller appears in a case's history."""
    return f"{principal.role.value}:{principal.sub}"

"""Who may read or change a case: shared by the case use cases."""

from __future__ import annotations

from intake.domain.model import Case
from jalon_shared.access import Principal, Role, may_access_case


def may_read(principal: Principal, case: Case) -> bool:
    """Return whether the caller may read the case."""
    return may_access_case(
        principal,
        beneficiary_id=case.beneficiary_id,
        counsellor_id=case.counsellor_id,
        region=case.region,
    )


def may_manage(principal: Principal, case: Case) -> bool:
    """Return whether the caller may change the case (its counsellor or a regional manager)."""
    return principal.role in (Role.COUNSELLOR, Role.MANAGER) and may_read(principal, case)


def actor(principal: Principal) -> str:
    """Return how the caller appears in a case's history."""
    return f"{principal.role.value}:{principal.sub}"

"""Who may reach a case's thread and tasks: its beneficiary and its counsellor, nobody else.

Managers and anyone else are told the case does not exist, so an id confirms nothing.
"""

from __future__ import annotations

from uuid import UUID

from jalon_shared.access import Principal, Role, may_access_case
from jalon_shared.directory.model import CaseEntry
from remote_session.application.errors import NotFoundError
from remote_session.application.ports import CaseDirectory
from remote_session.domain.threads import AuthorRole


async def reachable_case(
    directory: CaseDirectory, principal: Principal, case_id: UUID
) -> CaseEntry:
    """Return a case its beneficiary or counsellor reaches; managers and others get not found."""
    case = await directory.case(case_id)
    if (
        case is None
        or principal.role not in (Role.BENEFICIARY, Role.COUNSELLOR)
        or not may_access_case(
            principal,
            beneficiary_id=case.beneficiary_id,
            counsellor_id=case.counsellor_id,
            region=case.region,
        )
    ):
        raise NotFoundError("no such case")
    return case


def side_of(principal: Principal) -> AuthorRole:
    """Return the side of the case the caller writes from (checked by reachable_case first)."""
    if principal.role is Role.BENEFICIARY:
        return AuthorRole.BENEFICIARY
    return AuthorRole.COUNSELLOR

"""Use case: name the signed-in person in the page header."""

from __future__ import annotations

from jalon_shared.access import Principal, Role
from web.application.ports import AccountStore


async def describe_session(principal: Principal, *, accounts: AccountStore) -> str | None:
    """Return the staff member's display name or the beneficiary's email, if still known."""
    if principal.role is Role.BENEFICIARY:
        beneficiary_id = principal.beneficiary_id()
        if beneficiary_id is None:
            return None
        account = await accounts.beneficiary_by_id(beneficiary_id)
        return account.email if account else None
    staff = await accounts.staff(principal.sub)
    return staff.display_name if staff else None

"""Use case: a counsellor or manager signs in with their password."""

from __future__ import annotations

from web.application.ports import AccountStore, Hasher
from web.domain.accounts import StaffAccount


async def sign_in_staff(
    account_id: str, password: str, *, accounts: AccountStore, hasher: Hasher
) -> StaffAccount | None:
    """Return the account when the password matches."""
    account = await accounts.staff(account_id.strip())
    if account is None:
        # Spend the same time as a real check so ids cannot be probed by timing.
        hasher.verify(hasher.hash("not-a-password"), password)
        return None
    return account if hasher.verify(account.password_hash, password) else None

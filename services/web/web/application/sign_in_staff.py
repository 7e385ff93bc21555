"""Use case: a counsellor or manager signs in with their password."""

from __future__ import annotations

from jalon_shared.access import Role
from web.application.limits import SignInLimits, give_back, spend_try
from web.application.ports import AccountStore, Clock, Hasher, RateLimiter
from web.domain.accounts import StaffAccount


async def sign_in_staff(
    account_id: str,
    password: str,
    role: Role,
    *,
    address: str,
    accounts: AccountStore,
    hasher: Hasher,
    limiter: RateLimiter,
    limits: SignInLimits,
    clock: Clock,
) -> StaffAccount | None:
    """Return the account when the password matches and it has this role.

    Raises TooManyAttemptsError once the account or the address has used up its tries.
    """
    account_id = account_id.strip()
    windows = await spend_try(
        limiter,
        [(limits.password_per_address, address), (limits.password_per_account, account_id)],
        clock(),
    )
    account = await accounts.staff(account_id)
    if account is None:
        # Spend the same time as a real check so ids cannot be probed by timing.
        hasher.verify(hasher.hash("not-a-password"), password)
        return None
    if not hasher.verify(account.password_hash, password) or account.role is not role:
        return None
    await give_back(limiter, windows)
    return account

"""Use case: a beneficiary signs in with the code they received."""

from __future__ import annotations

from web.application.ports import AccountStore, Clock, Hasher
from web.domain.accounts import BeneficiaryAccount, normalise_email


async def verify_sign_in_code(
    email: str, code: str, *, accounts: AccountStore, hasher: Hasher, clock: Clock
) -> BeneficiaryAccount | None:
    """Return the account when the code is right, unexpired and not over-tried."""
    email = normalise_email(email)
    pending = await accounts.code(email)
    if pending is None or not pending.usable(clock()):
        return None
    if not hasher.verify(pending.code_hash, code.strip()):
        await accounts.count_attempt(email)
        return None
    await accounts.delete_code(email)
    return await accounts.beneficiary(email)

"""Use case: a beneficiary signs in with the code they received."""

from __future__ import annotations

from uuid import uuid4

from web.application.ports import AccountStore, Clock, Hasher
from web.domain.accounts import BeneficiaryAccount, normalise_email


async def verify_sign_in_code(
    email: str, code: str, *, accounts: AccountStore, hasher: Hasher, clock: Clock
) -> BeneficiaryAccount | None:
    """Return the account when the code is right, unexpired and not over-tried.

    The account is made on the first successful sign-in of an email, never before.
    """
    email = normalise_email(email)
    # The try is counted before the check, atomically, so parallel guesses cannot pass the cap.
    pending = await accounts.claim_attempt(email, clock())
    if pending is None or not hasher.verify(pending.code_hash, code.strip()):
        return None
    await accounts.delete_code(email)
    return await accounts.beneficiary_or_create(
        BeneficiaryAccount(email=email, beneficiary_id=uuid4())
    )

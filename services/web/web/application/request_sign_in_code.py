"""Use case: a beneficiary asks for a one-time sign-in code by email."""

from __future__ import annotations

from uuid import uuid4

from web.application.ports import AccountStore, Clock, Hasher, Mailer
from web.domain.accounts import CODE_TTL, BeneficiaryAccount, SignInCode, new_code, normalise_email


async def request_sign_in_code(
    email: str, *, accounts: AccountStore, hasher: Hasher, mailer: Mailer, clock: Clock
) -> str:
    """Create the account on first use, store a hashed code, send it, and return it."""
    email = normalise_email(email)
    if await accounts.beneficiary(email) is None:
        await accounts.save_beneficiary(BeneficiaryAccount(email=email, beneficiary_id=uuid4()))
    code = new_code()
    await accounts.save_code(
        SignInCode(email=email, code_hash=hasher.hash(code), expires_at=clock() + CODE_TTL)
    )
    await mailer.send_code(email, code)
    return code

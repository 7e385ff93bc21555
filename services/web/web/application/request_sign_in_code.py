"""Use case: a beneficiary asks for a one-time sign-in code by email."""

from __future__ import annotations

from web.application.errors import MailNotSentError
from web.application.limits import SignInLimits, spend_try
from web.application.ports import AccountStore, Clock, Hasher, Mailer, RateLimiter
from web.domain.accounts import CODE_TTL, SignInCode, new_code, normalise_email


async def request_sign_in_code(
    email: str,
    *,
    address: str,
    accounts: AccountStore,
    hasher: Hasher,
    mailer: Mailer,
    limiter: RateLimiter,
    limits: SignInLimits,
    clock: Clock,
) -> None:
    """Store a hashed code and send it; the account itself is made at the first sign-in.

    Raises TooManyAttemptsError when the email or the address asked too often, and
    MailNotSentError when the code could not be sent (the code is then dropped).
    """
    email = normalise_email(email)
    await spend_try(
        limiter, [(limits.code_per_address, address), (limits.code_per_email, email)], clock()
    )
    code = new_code()
    await accounts.save_code(
        SignInCode(email=email, code_hash=hasher.hash(code), expires_at=clock() + CODE_TTL)
    )
    try:
        await mailer.send_code(email, code)
    except MailNotSentError:
        await accounts.delete_code(email)
        raise

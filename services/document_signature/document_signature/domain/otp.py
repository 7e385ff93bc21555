"""The one-time signing code: six digits by e-mail, kept only as a salted HMAC, briefly valid.

A code lives CODE_LIFETIME, takes MAX_ATTEMPTS wrong guesses before it locks, and a document
gets at most MAX_SENDS codes. Functions here are pure: the caller passes the time, the code,
the salt and the key.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_SENDS = 3
SALT_BYTES = 16


class CodeError(ValueError):
    """The code cannot be sent or checked, with a reason code."""

    def __init__(self, reason: str, message: str, *, attempts_left: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.attempts_left = attempts_left


@dataclass(frozen=True, slots=True)
class CodeChallenge:
    """The code last sent for a document, as stored: its digest, never the code."""

    document_id: UUID
    beneficiary_id: UUID
    salt: bytes
    digest: str
    issued_at: datetime
    expires_at: datetime
    attempts_left: int
    sends: int
    verified_at: datetime | None = None

    @property
    def sends_left(self) -> int:
        """Return how many more codes the document may be sent."""
        return max(MAX_SENDS - self.sends, 0)

    @property
    def locked(self) -> bool:
        """Return whether wrong guesses used up this code."""
        return self.attempts_left <= 0


def format_code(number: int) -> str:
    """Return a random number below 10**CODE_DIGITS as the code's digits, zero-padded."""
    if not 0 <= number < 10**CODE_DIGITS:
        raise ValueError("the code's number is out of range")
    return f"{number:0{CODE_DIGITS}d}"


def code_digest(code: str, salt: bytes, key: bytes) -> str:
    """Return the HMAC-SHA256 of the salted code under the service's key."""
    return hmac.new(key, salt + code.encode(), hashlib.sha256).hexdigest()


def issue(
    previous: CodeChallenge | None,
    *,
    document_id: UUID,
    beneficiary_id: UUID,
    code: str,
    salt: bytes,
    key: bytes,
    now: datetime,
) -> CodeChallenge:
    """Return a fresh challenge replacing the previous one, or refuse past MAX_SENDS."""
    sends = previous.sends if previous is not None else 0
    if sends >= MAX_SENDS:
        raise CodeError("too_many_sends", f"at most {MAX_SENDS} codes are sent for a document")
    return CodeChallenge(
        document_id=document_id,
        beneficiary_id=beneficiary_id,
        salt=salt,
        digest=code_digest(code, salt, key),
        issued_at=now,
        expires_at=now + CODE_LIFETIME,
        attempts_left=MAX_ATTEMPTS,
        sends=sends + 1,
    )


def check(
    challenge: CodeChallenge | None, code: str, *, key: bytes, now: datetime
) -> tuple[CodeChallenge, bool]:
    """Return the challenge after one guess and whether the guess was right.

    A wrong guess spends an attempt (the caller stores that before refusing); an unknown, locked
    or expired code raises CodeError without spending anything.
    """
    if challenge is None:
        raise CodeError("no_code", "ask for a code first")
    if challenge.locked:
        raise CodeError("locked", "too many wrong codes: ask for a new one", attempts_left=0)
    if now >= challenge.expires_at:
        raise CodeError("code_expired", "the code has expired: ask for a new one")
    if hmac.compare_digest(code_digest(code, challenge.salt, key), challenge.digest):
        return replace(challenge, verified_at=now), True
    return replace(challenge, attempts_left=challenge.attempts_left - 1), False


def mask_email(email: str) -> str:
    """Return an address with its local part hidden but its first letter: l***@example.org."""
    local, at, domain = email.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"

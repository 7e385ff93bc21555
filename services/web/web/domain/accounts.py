"""Accounts of the web front: staff with passwords, beneficiaries with one-time codes."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from uuid import UUID

from pydantic import BaseModel

from jalon_shared.access import Role

CODE_TTL = timedelta(minutes=10)
MAX_CODE_ATTEMPTS = 5


class StaffAccount(BaseModel):
    """A counsellor or manager who signs in with a password."""

    account_id: str
    display_name: str
    role: Role
    region: str
    site: str | None = None
    password_hash: str


class BeneficiaryAccount(BaseModel):
    """A beneficiary, known by email, who signs in with one-time codes."""

    email: str
    beneficiary_id: UUID


class SignInCode(BaseModel):
    """A pending one-time code, kept hashed."""

    email: str
    code_hash: str
    expires_at: datetime
    attempts: int = 0

    def usable(self, now: datetime) -> bool:
        """Return whether the code may still be tried."""
        return now < self.expires_at and self.attempts < MAX_CODE_ATTEMPTS


def new_code() -> str:
    """Return a fresh six-digit code."""
    return f"{secrets.randbelow(1_000_000):06d}"


def normalise_email(email: str) -> str:
    """Return the email as accounts are keyed."""
    return email.strip().lower()


def looks_like_email(email: str) -> bool:
    """Return whether the text can be an address to send a code to."""
    local, at, domain = email.partition("@")
    return bool(at and local and "." in domain and not any(c.isspace() for c in email))

"""What the web front's use cases need."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from web.domain.accounts import BeneficiaryAccount, SignInCode, StaffAccount


class Clock(Protocol):
    """Tells the time."""

    def __call__(self) -> datetime: ...


class Hasher(Protocol):
    """Hashes and checks secrets (argon2 in production)."""

    def hash(self, secret: str) -> str: ...
    def verify(self, hashed: str, secret: str) -> bool: ...


class AccountStore(Protocol):
    """Accounts and pending codes."""

    async def staff(self, account_id: str) -> StaffAccount | None: ...
    async def save_staff(self, account: StaffAccount) -> None: ...
    async def beneficiary(self, email: str) -> BeneficiaryAccount | None: ...
    async def beneficiary_by_id(self, beneficiary_id: UUID) -> BeneficiaryAccount | None: ...
    async def save_beneficiary(self, account: BeneficiaryAccount) -> None: ...
    async def delete_beneficiary(self, email: str) -> None: ...
    async def save_code(self, code: SignInCode) -> None: ...
    async def claim_attempt(self, email: str, now: datetime) -> SignInCode | None:
        """Count one try on a usable code and return it, or None when none is usable."""
        ...

    async def delete_code(self, email: str) -> None: ...


class Mailer(Protocol):
    """Sends the sign-in code through the notification channel."""

    async def send_code(self, email: str, code: str) -> None: ...

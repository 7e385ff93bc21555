"""The web front's own store: accounts and pending codes (credentials, not domain data)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pymongo import ReturnDocument

from jalon_shared.mongo import Collection, Database
from web.domain.accounts import (
    MAX_CODE_ATTEMPTS,
    BeneficiaryAccount,
    SignInCode,
    StaffAccount,
)


class MongoAccountStore:
    """AccountStore on MongoDB."""

    def __init__(self, database: Database) -> None:
        self._staff: Collection = database["staff_accounts"]
        self._beneficiaries: Collection = database["beneficiary_accounts"]
        self._codes: Collection = database["sign_in_codes"]

    async def ensure_indexes(self) -> None:
        """Expire pending codes on their own."""
        await self._codes.create_index("expires_at", expireAfterSeconds=0)
        await self._beneficiaries.create_index("beneficiary_id", unique=True)

    async def staff(self, account_id: str) -> StaffAccount | None:
        """Return a staff account."""
        doc = await self._staff.find_one({"_id": account_id})
        return StaffAccount.model_validate({**doc, "account_id": doc["_id"]}) if doc else None

    async def save_staff(self, account: StaffAccount) -> None:
        """Insert or replace a staff account."""
        doc = account.model_dump(exclude={"account_id"})
        await self._staff.replace_one({"_id": account.account_id}, doc, upsert=True)

    async def beneficiary(self, email: str) -> BeneficiaryAccount | None:
        """Return a beneficiary account by email."""
        doc = await self._beneficiaries.find_one({"_id": email})
        return BeneficiaryAccount.model_validate({**doc, "email": doc["_id"]}) if doc else None

    async def beneficiary_by_id(self, beneficiary_id: UUID) -> BeneficiaryAccount | None:
        """Return a beneficiary account by id."""
        doc = await self._beneficiaries.find_one({"beneficiary_id": beneficiary_id})
        return BeneficiaryAccount.model_validate({**doc, "email": doc["_id"]}) if doc else None

    async def save_beneficiary(self, account: BeneficiaryAccount) -> None:
        """Insert or replace a beneficiary account."""
        doc = account.model_dump(exclude={"email"})
        await self._beneficiaries.replace_one({"_id": account.email}, doc, upsert=True)

    async def delete_beneficiary(self, email: str) -> None:
        """Forget a beneficiary account (after their erasure)."""
        await self._beneficiaries.delete_one({"_id": email})

    async def save_code(self, code: SignInCode) -> None:
        """Replace the pending code of an email."""
        doc = code.model_dump(exclude={"email"})
        await self._codes.replace_one({"_id": code.email}, doc, upsert=True)

    async def claim_attempt(self, email: str, now: datetime) -> SignInCode | None:
        """Count one try on a usable code and return it, or None when none is usable."""
        doc = await self._codes.find_one_and_update(
            {"_id": email, "expires_at": {"$gt": now}, "attempts": {"$lt": MAX_CODE_ATTEMPTS}},
            {"$inc": {"attempts": 1}},
            return_document=ReturnDocument.AFTER,
        )
        return SignInCode.model_validate({**doc, "email": doc["_id"]}) if doc else None

    async def delete_code(self, email: str) -> None:
        """Drop a used code."""
        await self._codes.delete_one({"_id": email})

"""The web front's own store: accounts, codes, sign-in counters and revoked sessions.

Credentials, not domain data. Stores take an optional session so an event consumer can
change them in the transaction that records the event as processed.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from jalon_shared.mongo import Collection, Database, Session
from web.domain.accounts import (
    MAX_CODE_ATTEMPTS,
    BeneficiaryAccount,
    SignInCode,
    StaffAccount,
)

STAFF = "staff_accounts"
BENEFICIARIES = "beneficiary_accounts"
CODES = "sign_in_codes"
RATE_LIMITS = "rate_limits"
REVOCATIONS = "revoked_sessions"


class MongoAccountStore:
    """AccountStore on MongoDB."""

    def __init__(self, database: Database, session: Session | None = None) -> None:
        self._staff: Collection = database[STAFF]
        self._beneficiaries: Collection = database[BENEFICIARIES]
        self._codes: Collection = database[CODES]
        self._session = session

    async def ensure_indexes(self) -> None:
        """Expire pending codes on their own; one account per beneficiary id."""
        await self._codes.create_index("expires_at", expireAfterSeconds=0)
        await self._beneficiaries.create_index("beneficiary_id", unique=True)

    async def staff(self, account_id: str) -> StaffAccount | None:
        """Return a staff account."""
        doc = await self._staff.find_one({"_id": account_id}, session=self._session)
        return StaffAccount.model_validate({**doc, "account_id": doc["_id"]}) if doc else None

    async def save_staff(self, account: StaffAccount) -> None:
        """Insert or replace a staff account."""
        doc = account.model_dump(exclude={"account_id"})
        await self._staff.replace_one(
            {"_id": account.account_id}, doc, upsert=True, session=self._session
        )

    async def beneficiary(self, email: str) -> BeneficiaryAccount | None:
        """Return a beneficiary account by email."""
        doc = await self._beneficiaries.find_one({"_id": email}, session=self._session)
        return BeneficiaryAccount.model_validate({**doc, "email": doc["_id"]}) if doc else None

    async def beneficiary_by_id(self, beneficiary_id: UUID) -> BeneficiaryAccount | None:
        """Return a beneficiary account by id."""
        doc = await self._beneficiaries.find_one(
            {"beneficiary_id": beneficiary_id}, session=self._session
        )
        return BeneficiaryAccount.model_validate({**doc, "email": doc["_id"]}) if doc else None

    async def save_beneficiary(self, account: BeneficiaryAccount) -> None:
        """Insert or replace a beneficiary account."""
        doc = account.model_dump(exclude={"email"})
        await self._beneficiaries.replace_one(
            {"_id": account.email}, doc, upsert=True, session=self._session
        )

    async def beneficiary_or_create(self, account: BeneficiaryAccount) -> BeneficiaryAccount:
        """Return the email's account, storing the given one if there was none (atomic)."""
        # Insert-or-read on the unique _id: two first sign-ins racing end with one account.
        existing = await self.beneficiary(account.email)
        if existing is not None:
            return existing
        try:
            await self._beneficiaries.insert_one(
                {"_id": account.email, "beneficiary_id": account.beneficiary_id},
                session=self._session,
            )
        except DuplicateKeyError:
            stored = await self.beneficiary(account.email)
            if stored is None:
                raise
            return stored
        return account

    async def delete_beneficiary(self, email: str) -> None:
        """Forget a beneficiary account (after their erasure)."""
        await self._beneficiaries.delete_one({"_id": email}, session=self._session)

    async def save_code(self, code: SignInCode) -> None:
        """Replace the pending code of an email."""
        doc = code.model_dump(exclude={"email"})
        await self._codes.replace_one({"_id": code.email}, doc, upsert=True, session=self._session)

    async def claim_attempt(self, email: str, now: datetime) -> SignInCode | None:
        """Count one try on a usable code and return it, or None when none is usable."""
        doc = await self._codes.find_one_and_update(
            {"_id": email, "expires_at": {"$gt": now}, "attempts": {"$lt": MAX_CODE_ATTEMPTS}},
            {"$inc": {"attempts": 1}},
            return_document=ReturnDocument.AFTER,
            session=self._session,
        )
        return SignInCode.model_validate({**doc, "email": doc["_id"]}) if doc else None

    async def delete_code(self, email: str) -> None:
        """Drop a used (or undeliverable) code."""
        await self._codes.delete_one({"_id": email}, session=self._session)


class MongoRateLimiter:
    """RateLimiter on MongoDB: one counter per window, gone (TTL) once the window ends."""

    def __init__(self, database: Database) -> None:
        self._counters: Collection = database[RATE_LIMITS]

    async def ensure_indexes(self) -> None:
        """Let ended windows expire on their own."""
        await self._counters.create_index("expires_at", expireAfterSeconds=0)

    async def hit(self, bucket: str, expires_at: datetime) -> int:
        """Count one try in the bucket and return the count so far, this one included."""
        # An $inc on an existing counter is atomic everywhere; the first try of a window
        # inserts it, and the unique _id turns a racing twin into one more $inc. (An upsert
        # would do both at once on MongoDB, but two racing upserts on the embedded server
        # can both insert, losing a try.)
        for _ in range(3):
            doc = await self._counters.find_one_and_update(
                {"_id": bucket}, {"$inc": {"count": 1}}, return_document=ReturnDocument.AFTER
            )
            if doc is not None:
                return int(doc["count"])
            try:
                await self._counters.insert_one(
                    {"_id": bucket, "count": 1, "expires_at": expires_at}
                )
            except DuplicateKeyError:
                continue
            return 1
        raise RuntimeError("rate-limit counter could not be written")

    async def refund(self, bucket: str) -> None:
        """Take back one try."""
        await self._counters.update_one(
            {"_id": bucket, "count": {"$gt": 0}}, {"$inc": {"count": -1}}
        )


class MongoRevocations:
    """Revocations on MongoDB, kept (TTL) until the tokens they refuse have expired."""

    def __init__(self, database: Database, session: Session | None = None) -> None:
        self._revoked: Collection = database[REVOCATIONS]
        self._session = session

    async def ensure_indexes(self) -> None:
        """Let revocations expire with the tokens they refuse."""
        await self._revoked.create_index("expires_at", expireAfterSeconds=0)

    async def revoke_token(self, jti: str, until: datetime) -> None:
        """Refuse one token."""
        await self._revoke(f"jti:{jti}", until)

    async def revoke_subject(self, sub: str, until: datetime) -> None:
        """Refuse every token of a subject issued so far."""
        await self._revoke(_subject_key(sub), until)

    async def is_revoked(self, jti: str, sub: str) -> bool:
        """Return whether the token, or every token of its subject, was revoked."""
        found = await self._revoked.find_one(
            {"_id": {"$in": [f"jti:{jti}", _subject_key(sub)]}}, {"_id": 1}, session=self._session
        )
        return found is not None

    async def _revoke(self, key: str, until: datetime) -> None:
        await self._revoked.update_one(
            {"_id": key}, {"$set": {"expires_at": until}}, upsert=True, session=self._session
        )


def _subject_key(sub: str) -> str:
    # A subject is revoked when the person is erased: keep a digest, never their id.
    return "sub:" + hashlib.sha256(sub.encode()).hexdigest()

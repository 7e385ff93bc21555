"""The calendar feed's tokens and the counsellor's appointments, on MongoDB."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING

from appointment.adapters.mongo import APPOINTMENTS, PLANS
from appointment.adapters.notifications import SiteLabels, appointment_facts
from appointment.domain.calendar_feed import FeedToken
from appointment.domain.messages import DEFAULT_ZONE, Facts
from jalon_shared.mongo import Collection, Database

FEED_TOKENS = "feed_tokens"
#: The most appointments one feed lists: ~7 months of a full diary.
FEED_LIMIT = 2_000


def _token(doc: dict[str, Any]) -> FeedToken:
    return FeedToken(
        digest=doc["_id"],
        counsellor_id=doc["counsellor_id"],
        created_at=doc["created_at"],
        revoked_at=doc.get("revoked_at"),
    )


class MongoFeedTokens:
    """`feed_tokens`: _id is the token's SHA-256 digest; the secret itself is never stored."""

    def __init__(self, database: Database) -> None:
        self._c: Collection = database[FEED_TOKENS]

    async def ensure_indexes(self) -> None:
        """Create the counsellor lookup."""
        await self._c.create_index([("counsellor_id", ASCENDING), ("revoked_at", ASCENDING)])

    async def add(self, token: FeedToken) -> None:
        """Store the token, then revoke the counsellor's older active ones."""
        await self._c.insert_one(
            {
                "_id": token.digest,
                "counsellor_id": token.counsellor_id,
                "created_at": token.created_at,
                "revoked_at": None,
            }
        )
        # Older means created before, or at the same instant with a smaller digest: when two
        # creations race, both revoke the same loser and exactly one token stays active.
        await self._c.update_many(
            {
                "counsellor_id": token.counsellor_id,
                "revoked_at": None,
                "$or": [
                    {"created_at": {"$lt": token.created_at}},
                    {"created_at": token.created_at, "_id": {"$lt": token.digest}},
                ],
            },
            {"$set": {"revoked_at": token.created_at}},
        )

    async def revoke(self, counsellor_id: str, now: datetime) -> int:
        """Revoke every active token of the counsellor."""
        result = await self._c.update_many(
            {"counsellor_id": counsellor_id, "revoked_at": None}, {"$set": {"revoked_at": now}}
        )
        return result.modified_count

    async def active(self, counsellor_id: str) -> FeedToken | None:
        """Return the counsellor's newest active token."""
        doc = await self._c.find_one(
            {"counsellor_id": counsellor_id, "revoked_at": None}, sort=[("created_at", -1)]
        )
        return None if doc is None else _token(doc)

    async def find(self, digest: str) -> FeedToken | None:
        """Return the token stored under this digest."""
        doc = await self._c.find_one({"_id": digest})
        return None if doc is None else _token(doc)


class MongoCounsellorCalendar:
    """A counsellor's appointments in a period, as calendar facts (no person in them)."""

    def __init__(self, database: Database) -> None:
        self._appointments: Collection = database[APPOINTMENTS]
        self._plans: Collection = database[PLANS]
        self._database = database

    async def appointments(self, counsellor_id: str, start: datetime, end: datetime) -> list[Facts]:
        """Return the appointments starting in [start, end), by start."""
        plan = await self._plans.find_one({"_id": counsellor_id}, projection={"time_zone": 1})
        zone = (plan.get("time_zone") if plan is not None else None) or DEFAULT_ZONE
        labels = SiteLabels(self._database)
        cursor = (
            self._appointments.find(
                {"counsellor_id": counsellor_id, "starts_at": {"$gte": start, "$lt": end}},
                # Only what a calendar entry shows: no beneficiary, no case.
                projection={
                    "kind": 1,
                    "modality": 1,
                    "place": 1,
                    "starts_at": 1,
                    "ends_at": 1,
                    "status": 1,
                    "sequence": 1,
                },
            )
            .sort("starts_at", ASCENDING)
            .limit(FEED_LIMIT)
        )
        return [
            appointment_facts(doc, site_label=await labels.label(doc.get("place")), time_zone=zone)
            async for doc in cursor
        ]

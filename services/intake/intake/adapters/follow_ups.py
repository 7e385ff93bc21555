"""The follow-up surveys' e-mails on MongoDB: claims with leases, beside each survey's record.

A follow-up is claimed by one atomic find_one_and_update that moves its e-mail to `sending` with
an owner and a lease, so two senders (two replicas) never take the same one; a sender that dies
leaves its claim to be taken again once the lease runs out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from pymongo import ASCENDING, ReturnDocument

from intake.adapters.mongo import MAIL_SCHEDULED, IntakeCollections
from intake.application.follow_up_ports import Claimed

SENDING = "sending"
SENT = "sent"
DROPPED = "dropped"
FAILED = "failed"
#: Attempts before an e-mail is given up (the survey stays answerable from the person's space).
MAX_ATTEMPTS = 6


class MongoFollowUpQueue:
    """The e-mail state of follow-up surveys, as the senders use it."""

    def __init__(
        self,
        collections: IntakeCollections,
        *,
        clock: Callable[[], datetime],
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._c = collections.surveys
        self._clock = clock
        self._max_attempts = max_attempts

    async def claim(self, now: datetime, owner: str, lease: timedelta) -> Claimed | None:
        """Take the most overdue e-mail (scheduled and due, or sending with an expired lease)."""
        while True:
            doc = await self._c.find_one_and_update(
                {
                    "$or": [
                        {"mail_status": MAIL_SCHEDULED, "mail_due_at": {"$lte": now}},
                        {"mail_status": SENDING, "mail_lease_until": {"$lte": now}},
                    ]
                },
                {
                    "$set": {
                        "mail_status": SENDING,
                        "mail_owner": owner,
                        "mail_lease_until": now + lease,
                    },
                    "$inc": {"mail_attempts": 1},
                },
                sort=[("mail_due_at", ASCENDING)],
                projection={"mail_attempts": True},
                return_document=ReturnDocument.AFTER,
            )
            if doc is None:
                return None
            attempts = int(doc.get("mail_attempts", 1))
            if attempts > self._max_attempts:
                # Claimed again and again without an outcome (its sender died each time): give
                # it up rather than let it take every replica down in turn.
                await self._settle(doc["_id"], owner, FAILED, {"mail_error": "abandoned"})
                continue
            return Claimed(survey_id=doc["_id"], attempts=attempts)

    async def _settle(
        self, survey_id: UUID, owner: str, state: str, fields: dict[str, Any]
    ) -> bool:
        result = await self._c.update_one(
            {"_id": survey_id, "mail_owner": owner, "mail_status": SENDING},
            {
                "$set": {"mail_status": state, "mail_settled_at": self._clock()} | fields,
                "$unset": {"mail_lease_until": ""},
            },
        )
        return result.matched_count == 1

    async def mark_sent(self, survey_id: UUID, owner: str) -> bool:
        """Mark the e-mail sent; False when the lease was lost."""
        return await self._settle(survey_id, owner, SENT, {})

    async def mark_dropped(self, survey_id: UUID, owner: str, why: str) -> bool:
        """Give the e-mail up with a reason code."""
        return await self._settle(survey_id, owner, DROPPED, {"mail_error": why})

    async def retry_later(self, survey_id: UUID, owner: str, at: datetime, error: str) -> str:
        """Put the e-mail back as scheduled at a later time, or fail it after the last attempt."""
        if await self._c.find_one_and_update(
            {
                "_id": survey_id,
                "mail_owner": owner,
                "mail_status": SENDING,
                "mail_attempts": {"$gte": self._max_attempts},
            },
            {
                "$set": {
                    "mail_status": FAILED,
                    "mail_error": error,
                    "mail_settled_at": self._clock(),
                },
                "$unset": {"mail_lease_until": ""},
            },
        ):
            return FAILED
        await self._c.update_one(
            {"_id": survey_id, "mail_owner": owner, "mail_status": SENDING},
            {
                "$set": {"mail_status": MAIL_SCHEDULED, "mail_due_at": at, "mail_error": error},
                "$unset": {"mail_lease_until": ""},
            },
        )
        return MAIL_SCHEDULED

    async def next_due(self) -> datetime | None:
        """Return the earliest time an e-mail becomes claimable, if any is waiting."""
        times: list[datetime] = []
        waiting = await self._c.find_one(
            {"mail_status": MAIL_SCHEDULED},
            projection={"mail_due_at": True},
            sort=[("mail_due_at", ASCENDING)],
        )
        if waiting is not None and waiting.get("mail_due_at") is not None:
            times.append(waiting["mail_due_at"])
        leased = await self._c.find_one(
            {"mail_status": SENDING},
            projection={"mail_lease_until": True},
            sort=[("mail_lease_until", ASCENDING)],
        )
        if leased is not None and leased.get("mail_lease_until") is not None:
            times.append(leased["mail_lease_until"])
        return min(times, default=None)

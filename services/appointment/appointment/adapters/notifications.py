"""The notification outbox on MongoDB (claims with leases) and the facts notices are about.

A record is claimed by one atomic find_one_and_update that moves it to `sending` with an owner
and a lease, so two dispatchers (two replicas) never take the same record; a dispatcher that
dies leaves its record to be claimed again once the lease runs out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from pymongo import ASCENDING, ReturnDocument

from appointment.adapters.mongo import APPOINTMENTS, NOTIFICATIONS, PLANS, notice_from_doc
from appointment.application.notification_ports import Claimed
from appointment.domain.messages import DEFAULT_ZONE, REMOTE_PLACE, ChannelKind, Facts
from appointment.domain.notices import Notice
from jalon_shared.directory.store import REGIONS
from jalon_shared.events.vocabulary import AppointmentKind, Modality
from jalon_shared.mongo import Collection, Database

#: Collective sessions, written by the sessions' use cases.
SESSIONS = "collective_sessions"

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
DROPPED = "dropped"
FAILED = "failed"
#: Attempts before a notice is given up (status failed).
MAX_ATTEMPTS = 6
#: How long settled records stay, for support questions ("did the reminder go?").
RETENTION = timedelta(days=30)


class MongoNotificationStore:
    """The `notifications` collection, as the dispatchers use it."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime],
        max_attempts: int = MAX_ATTEMPTS,
        retention: timedelta = RETENTION,
    ) -> None:
        self._c: Collection = database[NOTIFICATIONS]
        self._clock = clock
        self._max_attempts = max_attempts
        self._retention = retention

    async def ensure_indexes(self) -> None:
        """Create the index expired leases are found by (due ones use the status/due_at one)."""
        await self._c.create_index([("status", ASCENDING), ("due_at", ASCENDING)])
        await self._c.create_index([("status", ASCENDING), ("lease_until", ASCENDING)])
        await self._c.create_index("beneficiary_id")

    async def claim(self, now: datetime, owner: str, lease: timedelta) -> Claimed | None:
        """Take the most overdue record (pending and due, or sending with an expired lease)."""
        while True:
            doc = await self._c.find_one_and_update(
                {
                    "$or": [
                        {"status": PENDING, "due_at": {"$lte": now}},
                        {"status": SENDING, "lease_until": {"$lte": now}},
                    ]
                },
                {
                    "$set": {
                        "status": SENDING,
                        "owner": owner,
                        "lease_until": now + lease,
                        "claimed_at": now,
                    },
                    "$inc": {"attempts": 1},
                },
                sort=[("due_at", ASCENDING)],
                return_document=ReturnDocument.AFTER,
            )
            if doc is None:
                return None
            attempts = int(doc.get("attempts", 1))
            if attempts > self._max_attempts:
                # Claimed again and again without an outcome (its dispatcher died each time):
                # give it up rather than let it crash every replica in turn.
                await self._settle(doc["_id"], owner, FAILED, {"reason": "abandoned"})
                continue
            return Claimed(
                notice=notice_from_doc(doc),
                attempts=attempts,
                delivered=frozenset(ChannelKind(c) for c in doc.get("delivered", [])),
            )

    async def _settle(self, key: str, owner: str, status: str, fields: dict[str, Any]) -> bool:
        now = self._clock()
        result = await self._c.update_one(
            {"_id": key, "owner": owner, "status": SENDING},
            {
                "$set": {"status": status, "settled_at": now, "purge_at": now + self._retention}
                | fields,
                "$unset": {"lease_until": ""},
            },
        )
        return result.matched_count == 1

    async def mark_delivered(self, key: str, owner: str, channel: ChannelKind) -> None:
        """Note one channel delivered, so a retry does not repeat it."""
        await self._c.update_one(
            {"_id": key, "owner": owner, "status": SENDING},
            {"$addToSet": {"delivered": channel.value}},
        )

    async def mark_sent(self, key: str, owner: str, channels: Sequence[ChannelKind]) -> bool:
        """Mark the record sent on these channels; False when the lease was lost."""
        return await self._settle(key, owner, SENT, {"channels": [c.value for c in channels]})

    async def mark_dropped(self, key: str, owner: str, why: str) -> bool:
        """Mark the record dropped with a reason code (stale, erased, no channel)."""
        return await self._settle(key, owner, DROPPED, {"reason": why})

    async def retry_later(self, key: str, owner: str, at: datetime, error: str = "") -> str:
        """Put the record back as pending at a later time, or fail it after the last attempt."""
        last = {"$gte": self._max_attempts}
        if await self._c.find_one_and_update(
            {"_id": key, "owner": owner, "status": SENDING, "attempts": last},
            {
                "$set": {
                    "status": FAILED,
                    "last_error": error,
                    "settled_at": self._clock(),
                    "purge_at": self._clock() + self._retention,
                },
                "$unset": {"lease_until": ""},
            },
        ):
            return FAILED
        await self._c.update_one(
            {"_id": key, "owner": owner, "status": SENDING},
            {
                "$set": {"status": PENDING, "due_at": at, "last_error": error},
                "$unset": {"lease_until": ""},
            },
        )
        return PENDING

    async def next_due(self) -> datetime | None:
        """Return the earliest time a record becomes claimable, if any is waiting."""
        times: list[datetime] = []
        pending = await self._c.find_one(
            {"status": PENDING}, projection={"due_at": 1}, sort=[("due_at", ASCENDING)]
        )
        if pending is not None:
            times.append(pending["due_at"])
        leased = await self._c.find_one(
            {"status": SENDING}, projection={"lease_until": 1}, sort=[("lease_until", ASCENDING)]
        )
        if leased is not None and leased.get("lease_until") is not None:
            times.append(leased["lease_until"])
        return min(times, default=None)

    async def erase_beneficiary(self, beneficiary_id: UUID) -> int:
        """Delete every record about a beneficiary (erasure)."""
        result = await self._c.delete_many({"beneficiary_id": beneficiary_id})
        return result.deleted_count


class SiteLabels:
    """Site labels from the directory's copy of intake's reference data, read once per site."""

    def __init__(self, database: Database) -> None:
        self._regions: Collection = database[REGIONS]
        self._known: dict[str, str | None] = {}

    async def label(self, site: str | None) -> str | None:
        """Return a site's label, or None for no site or an unknown one."""
        if not site or site == REMOTE_PLACE:
            return None
        if site not in self._known:
            doc = await self._regions.find_one({"sites.code": site}, projection={"sites": 1})
            sites = doc.get("sites", []) if doc is not None else []
            self._known[site] = next((s.get("label") for s in sites if s.get("code") == site), None)
        return self._known[site]


def appointment_facts(
    doc: dict[str, Any], *, site_label: str | None, time_zone: str = DEFAULT_ZONE
) -> Facts:
    """Return the facts of a stored appointment."""
    pending = doc.get("pending_change")
    return Facts(
        subject_id=doc["_id"],
        collective=False,
        modality=Modality(doc["modality"]),
        place=doc["place"],
        starts_at=doc["starts_at"],
        ends_at=doc["ends_at"],
        status=doc["status"],
        sequence=int(doc.get("sequence", 0)),
        site_label=site_label,
        kind=AppointmentKind(doc["kind"]) if doc.get("kind") else None,
        beneficiary_id=doc.get("beneficiary_id"),
        proposed_modality=Modality(pending["to_modality"]) if pending else None,
        time_zone=time_zone,
    )


def session_facts(doc: dict[str, Any], *, site_label: str | None) -> Facts:
    """Return the facts of a stored collective session."""
    return Facts(
        subject_id=doc["_id"],
        collective=True,
        modality=Modality(doc["modality"]),
        place=doc.get("site") or REMOTE_PLACE,
        starts_at=doc["starts_at"],
        ends_at=doc["ends_at"],
        status=doc["status"],
        sequence=int(doc.get("sequence", 0)),
        site_label=site_label,
    )


class MongoFactsLoader:
    """Reads the appointment or session a notice is about, as it stands when sending."""

    def __init__(self, database: Database) -> None:
        self._appointments: Collection = database[APPOINTMENTS]
        self._sessions: Collection = database[SESSIONS]
        self._plans: Collection = database[PLANS]
        self._database = database

    async def facts(self, notice: Notice) -> Facts | None:
        """Return the facts, or None when the appointment or session no longer exists."""
        labels = SiteLabels(self._database)
        if notice.appointment_id is not None:
            doc = await self._appointments.find_one({"_id": notice.appointment_id})
            if doc is None:
                return None
            # Times are written in the counsellor's plan zone, the region's clock; intake holds
            # no zone for the beneficiary.
            plan = await self._plans.find_one(
                {"_id": doc["counsellor_id"]}, projection={"time_zone": 1}
            )
            zone = plan.get("time_zone") if plan is not None else None
            return appointment_facts(
                doc,
                site_label=await labels.label(doc.get("place")),
                time_zone=zone or DEFAULT_ZONE,
            )
        if notice.session_id is not None:
            doc = await self._sessions.find_one({"_id": notice.session_id})
            if doc is None:
                return None
            return session_facts(doc, site_label=await labels.label(doc.get("site")))
        return None

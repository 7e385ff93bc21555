"""Collective sessions and their registrations in MongoDB, where the capacity is enforced.

A seat is a conditional `$inc` of the session's `registered` count, matched only while it is
under the capacity, in the same transaction as the registration's insert: two transactions
taking the last seat write the same document, so one of them conflicts, is retried, and finds
the session full. A unique `active_key` (session and person while the registration is active,
the registration's own id once it ended) refuses a second active registration of one person.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from pymongo import ASCENDING, ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError

from appointment.adapters.mongo import NOTIFICATIONS, StagedWrites, StagingUnitOfWork
from appointment.application.collective_ports import (
    AlreadyRegisteredError,
    CollectiveTransaction,
    Place,
    SessionLine,
)
from appointment.domain.collective import (
    ACTIVE,
    CollectiveSession,
    Registration,
    RegistrationStatus,
    SessionStatus,
)
from jalon_shared.directory.model import CaseEntry
from jalon_shared.directory.store import CASES, Directory
from jalon_shared.events.vocabulary import Modality
from jalon_shared.messaging.outbox import Outbox, OutboxRelay
from jalon_shared.mongo import Client, Database, Session
from jalon_shared.mongo import Collection as MongoCollection
from jalon_shared.places import PlaceProblem

T = TypeVar("T")

SESSIONS = "collective_sessions"
REGISTRATIONS = "session_registrations"
#: Sessions and registrations are kept this long after the session, then purged (TTL).
COLLECTIVE_RETENTION = timedelta(days=3 * 365)
#: A list never grows past this; a region plans far fewer sessions in a month.
LIST_LIMIT = 200
#: The fields of a session a change may set; the counters are only ever incremented.
_SESSION_FIELDS = (
    "title",
    "partner",
    "region",
    "site",
    "modality",
    "starts_at",
    "ends_at",
    "capacity",
    "status",
    "sequence",
    "created_by",
)


class CollectiveCollections:
    """The collections collective sessions use in the service's database."""

    def __init__(self, database: Database) -> None:
        self.sessions: MongoCollection = database[SESSIONS]
        self.registrations: MongoCollection = database[REGISTRATIONS]
        self.notifications: MongoCollection = database[NOTIFICATIONS]
        self.cases: MongoCollection = database[CASES]

    async def ensure_indexes(self) -> None:
        """Create the lookups' indexes, the one-active-registration rule and the retention."""
        await self.sessions.create_index([("region", ASCENDING), ("starts_at", ASCENDING)])
        await self.sessions.create_index(
            "purge_at", expireAfterSeconds=0, name="collective_session_retention"
        )
        await self.registrations.create_index("active_key", unique=True)
        await self.registrations.create_index(
            [("session_id", ASCENDING), ("status", ASCENDING), ("position", ASCENDING)]
        )
        await self.registrations.create_index(
            [("beneficiary_id", ASCENDING), ("starts_at", ASCENDING)]
        )
        await self.registrations.create_index(
            "purge_at", expireAfterSeconds=0, name="session_registration_retention"
        )


def session_to_doc(session: CollectiveSession) -> dict[str, Any]:
    """Return the stored form of a new session, its counters at zero."""
    return {
        "_id": session.session_id,
        **_session_fields(session),
        "registered": 0,
        "last_position": 0,
    }


def _session_fields(session: CollectiveSession) -> dict[str, Any]:
    return {
        "title": session.title,
        "partner": session.partner,
        "region": session.region,
        "site": session.site,
        "modality": session.modality.value,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "capacity": session.capacity,
        "status": session.status.value,
        "sequence": session.sequence,
        "created_by": session.created_by,
        "purge_at": session.ends_at + COLLECTIVE_RETENTION,
    }


def session_from_doc(doc: dict[str, Any]) -> CollectiveSession:
    """Return a session from its stored form."""
    return CollectiveSession(
        session_id=doc["_id"],
        title=doc["title"],
        partner=doc.get("partner"),
        region=doc["region"],
        site=doc.get("site"),
        modality=Modality(doc["modality"]),
        starts_at=doc["starts_at"],
        ends_at=doc["ends_at"],
        capacity=doc["capacity"],
        status=SessionStatus(doc["status"]),
        sequence=doc.get("sequence", 0),
        created_by=doc.get("created_by", ""),
    )


def line_from_doc(doc: dict[str, Any], waitlisted: int) -> SessionLine:
    """Return a session with its counts."""
    return SessionLine(session_from_doc(doc), int(doc.get("registered", 0)), waitlisted)


def active_key(registration: Registration) -> str:
    """Return the key the unique index holds: one active registration per person and session."""
    if registration.status in ACTIVE:
        return f"{registration.session_id}:{registration.beneficiary_id}"
    return f"ended:{registration.registration_id}"


def registration_to_doc(registration: Registration, session: CollectiveSession) -> dict[str, Any]:
    """Return the stored form of a registration, dated by its session for lists and retention."""
    return {
        "_id": registration.registration_id,
        "session_id": registration.session_id,
        "beneficiary_id": registration.beneficiary_id,
        "status": registration.status.value,
        "created_at": registration.created_at,
        "position": registration.position,
        "active_key": active_key(registration),
        "starts_at": session.starts_at,
        "purge_at": session.starts_at + COLLECTIVE_RETENTION,
    }


def registration_from_doc(doc: dict[str, Any]) -> Registration:
    """Return a registration from its stored form."""
    return Registration(
        registration_id=doc["_id"],
        session_id=doc["session_id"],
        beneficiary_id=doc["beneficiary_id"],
        status=RegistrationStatus(doc["status"]),
        created_at=doc["created_at"],
        position=doc["position"],
    )


def _status_change(registration: Registration) -> UpdateOne:
    return UpdateOne(
        {"_id": registration.registration_id},
        {
            "$set": {
                "status": registration.status.value,
                "active_key": active_key(registration),
            }
        },
    )


class MongoCollectiveTransaction(StagedWrites, CollectiveTransaction):
    """The transaction's reads and writes; events and notices are written at its end."""

    def __init__(self, collections: CollectiveCollections, session: Session) -> None:
        super().__init__(collections.notifications, session)
        self._c = collections

    async def session(self, session_id: UUID) -> CollectiveSession | None:
        """Return a session read in the transaction's snapshot."""
        doc = await self._c.sessions.find_one({"_id": session_id}, session=self._session)
        return None if doc is None else session_from_doc(doc)

    async def add_session(self, session: CollectiveSession) -> None:
        """Insert a new session."""
        await self._c.sessions.insert_one(session_to_doc(session), session=self._session)

    async def save_session(self, session: CollectiveSession) -> None:
        """Set a session's fields, leaving its counters alone."""
        await self._c.sessions.update_one(
            {"_id": session.session_id},
            {"$set": _session_fields(session)},
            session=self._session,
        )

    async def claim_place(self, session: CollectiveSession) -> Place | None:
        """Take a seat if the count is under the capacity, else a place on the waitlist."""
        scheduled = {"_id": session.session_id, "status": SessionStatus.SCHEDULED.value}
        # The match itself is the capacity check: a full session matches nothing.
        seat = await self._c.sessions.find_one_and_update(
            {**scheduled, "capacity": session.capacity, "registered": {"$lt": session.capacity}},
            {"$inc": {"registered": 1, "last_position": 1}},
            projection={"last_position": 1},
            return_document=ReturnDocument.AFTER,
            session=self._session,
        )
        if seat is not None:
            return Place(seated=True, position=int(seat["last_position"]))
        # The waitlist path writes the session too, so it conflicts with a concurrent cancel.
        queued = await self._c.sessions.find_one_and_update(
            scheduled,
            {"$inc": {"last_position": 1}},
            projection={"last_position": 1},
            return_document=ReturnDocument.AFTER,
            session=self._session,
        )
        if queued is None:
            return None
        return Place(seated=False, position=int(queued["last_position"]))

    async def release_seat(self, session_id: UUID) -> None:
        """Give a seat back."""
        await self._c.sessions.update_one(
            {"_id": session_id, "registered": {"$gt": 0}},
            {"$inc": {"registered": -1}},
            session=self._session,
        )

    async def add_registration(
        self, registration: Registration, session: CollectiveSession
    ) -> None:
        """Insert a registration; the unique active key refuses a second active one."""
        try:
            await self._c.registrations.insert_one(
                registration_to_doc(registration, session), session=self._session
            )
        except DuplicateKeyError as exc:
            raise AlreadyRegisteredError from exc

    async def save_registration(self, registration: Registration) -> None:
        """Store a registration's new status."""
        await self.save_registrations([registration])

    async def save_registrations(self, registrations: Sequence[Registration]) -> None:
        """Store new statuses in one write."""
        if registrations:
            await self._c.registrations.bulk_write(
                [_status_change(r) for r in registrations], ordered=False, session=self._session
            )

    async def registration(self, registration_id: UUID) -> Registration | None:
        """Return one registration."""
        doc = await self._c.registrations.find_one({"_id": registration_id}, session=self._session)
        return None if doc is None else registration_from_doc(doc)

    async def active_registration(
        self, session_id: UUID, beneficiary_id: UUID
    ) -> Registration | None:
        """Return the person's active registration for the session."""
        doc = await self._c.registrations.find_one(
            {"active_key": f"{session_id}:{beneficiary_id}"}, session=self._session
        )
        return None if doc is None else registration_from_doc(doc)

    async def registrations(
        self, session_id: UUID, statuses: Collection[RegistrationStatus]
    ) -> list[Registration]:
        """Return a session's registrations in these states, in order of arrival."""
        cursor = self._c.registrations.find(
            {"session_id": session_id, "status": {"$in": [s.value for s in statuses]}},
            session=self._session,
        ).sort("position", ASCENDING)
        return [registration_from_doc(d) async for d in cursor]

    async def first_waitlisted(self, session_id: UUID) -> Registration | None:
        """Return the earliest waitlisted registration."""
        cursor = (
            self._c.registrations.find(
                {"session_id": session_id, "status": RegistrationStatus.WAITLISTED.value},
                session=self._session,
            )
            .sort("position", ASCENDING)
            .limit(1)
        )
        found = [registration_from_doc(d) async for d in cursor]
        return found[0] if found else None

    async def registrations_of(self, beneficiary_id: UUID) -> list[Registration]:
        """Return every registration of a person."""
        cursor = self._c.registrations.find(
            {"beneficiary_id": beneficiary_id}, session=self._session
        )
        return [registration_from_doc(d) async for d in cursor]

    async def delete_registrations_of(self, beneficiary_id: UUID) -> int:
        """Delete every registration of a person."""
        result = await self._c.registrations.delete_many(
            {"beneficiary_id": beneficiary_id}, session=self._session
        )
        return result.deleted_count


class MongoCollectiveUnitOfWork(StagingUnitOfWork[MongoCollectiveTransaction]):
    """Runs collective use cases in MongoDB transactions."""

    def __init__(
        self,
        client: Client,
        collections: CollectiveCollections,
        outbox: Outbox,
        relay: OutboxRelay,
        clock: Callable[[], datetime],
        on_notices: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(
            client,
            lambda session: MongoCollectiveTransaction(collections, session),
            outbox,
            relay,
            clock,
            on_notices,
        )
        self._c = collections

    def joining(self, session: Session) -> JoinedUnitOfWork:
        """Return a unit of work that runs inside a transaction someone else commits."""
        return JoinedUnitOfWork(self._c, self._outbox, self._clock, session)


class JoinedUnitOfWork:
    """Runs work in a consumer's open transaction: it commits with the consumer's marker."""

    def __init__(
        self,
        collections: CollectiveCollections,
        outbox: Outbox,
        clock: Callable[[], datetime],
        session: Session,
    ) -> None:
        self._c = collections
        self._outbox = outbox
        self._clock = clock
        self._session = session

    async def run(self, work: Callable[[CollectiveTransaction], Awaitable[T]]) -> T:
        """Run work and stage its events and notices; the relay's poll publishes them."""
        tx = MongoCollectiveTransaction(self._c, self._session)
        result = await work(tx)
        await tx.flush(self._outbox, self._clock())
        return result


class MongoCollectiveQueries:
    """Reads for lists and pages."""

    def __init__(self, collections: CollectiveCollections) -> None:
        self._c = collections

    async def _lines(self, query: dict[str, Any]) -> list[SessionLine]:
        cursor = self._c.sessions.find(query).sort("starts_at", ASCENDING).limit(LIST_LIMIT)
        docs = [d async for d in cursor]
        waiting = await self._waitlisted_counts([d["_id"] for d in docs])
        return [line_from_doc(d, waiting.get(d["_id"], 0)) for d in docs]

    async def _waitlisted_counts(self, session_ids: Sequence[UUID]) -> dict[UUID, int]:
        if not session_ids:
            return {}
        cursor = self._c.registrations.find(
            {
                "session_id": {"$in": list(session_ids)},
                "status": RegistrationStatus.WAITLISTED.value,
            },
            projection={"session_id": 1},
        )
        counts: dict[UUID, int] = {}
        async for doc in cursor:
            counts[doc["session_id"]] = counts.get(doc["session_id"], 0) + 1
        return counts

    async def session(self, session_id: UUID) -> SessionLine | None:
        """Return one session with its counts."""
        lines = await self._lines({"_id": session_id})
        return lines[0] if lines else None

    async def of_region(self, region: str, *, starting_after: datetime) -> list[SessionLine]:
        """Return a region's sessions starting after a time, soonest first."""
        return await self._lines({"region": region, "starts_at": {"$gt": starting_after}})

    async def open_in(self, regions: Collection[str], now: datetime) -> list[SessionLine]:
        """Return the scheduled sessions of these regions not started yet."""
        return await self._lines(
            {
                "region": {"$in": sorted(regions)},
                "status": SessionStatus.SCHEDULED.value,
                "starts_at": {"$gt": now},
            }
        )

    async def with_ids(self, session_ids: Collection[UUID]) -> list[SessionLine]:
        """Return these sessions."""
        return await self._lines({"_id": {"$in": list(session_ids)}})

    async def registrations(self, session_id: UUID) -> list[Registration]:
        """Return a session's registrations, in order of arrival."""
        cursor = self._c.registrations.find({"session_id": session_id}).sort("position", ASCENDING)
        return [registration_from_doc(d) async for d in cursor]

    async def registrations_of(
        self, beneficiary_id: UUID, *, starting_after: datetime
    ) -> list[Registration]:
        """Return a person's registrations for sessions starting after a time."""
        cursor = self._c.registrations.find(
            {"beneficiary_id": beneficiary_id, "starts_at": {"$gt": starting_after}}
        ).limit(LIST_LIMIT)
        return [registration_from_doc(d) async for d in cursor]

    async def waitlists(self, session_ids: Collection[UUID]) -> dict[UUID, list[Registration]]:
        """Return the waitlisted registrations of sessions, by session."""
        if not session_ids:
            return {}
        cursor = self._c.registrations.find(
            {
                "session_id": {"$in": list(session_ids)},
                "status": RegistrationStatus.WAITLISTED.value,
            }
        )
        found: dict[UUID, list[Registration]] = {}
        async for doc in cursor:
            found.setdefault(doc["session_id"], []).append(registration_from_doc(doc))
        return found


class MongoCollectiveDirectory:
    """The directory copy's cases and reference data, as the collective use cases read them."""

    def __init__(self, collections: CollectiveCollections, directory: Directory) -> None:
        self._c = collections
        self._directory = directory

    async def cases_of(self, beneficiary_id: UUID) -> list[CaseEntry]:
        """Return a beneficiary's cases."""
        cursor = self._c.cases.find({"beneficiary_id": beneficiary_id})
        return [CaseEntry.model_validate({**d, "case_id": d["_id"]}) async for d in cursor]

    async def cases_in_region(
        self, beneficiary_ids: Collection[UUID], region: str
    ) -> dict[UUID, UUID]:
        """Return each person's case in the region, an open one before a closed one."""
        if not beneficiary_ids:
            return {}
        cursor = self._c.cases.find(
            {"beneficiary_id": {"$in": list(beneficiary_ids)}, "region": region},
            projection={"beneficiary_id": 1, "status": 1},
        )
        found: dict[UUID, UUID] = {}
        async for doc in cursor:
            person = doc["beneficiary_id"]
            if person not in found or doc.get("status") == "open":
                found[person] = doc["_id"]
        return found

    async def place_problem(self, region: str, site: str) -> PlaceProblem | None:
        """Check a site against the copy of intake's reference data."""
        return await self._directory.place_problem(region, site)

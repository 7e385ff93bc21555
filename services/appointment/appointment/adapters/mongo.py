"""Appointment's MongoDB storage: plans, appointments, their cells, notices, closures, waitlist."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Generic, TypeVar
from uuid import UUID

import structlog
from pymongo import ASCENDING, UpdateOne
from pymongo.errors import DuplicateKeyError

from appointment.application.errors import SlotTakenError
from appointment.application.ports import AppointmentTransaction, Schedule, WaitlistEntry
from appointment.domain.availability import (
    AppointmentKind,
    Busy,
    DatedException,
    ExceptionKind,
    Plan,
    Rules,
    WeeklyWindow,
)
from appointment.domain.booking import (
    Appointment,
    ConsentRecord,
    ModalityChange,
    Party,
    Status,
)
from appointment.domain.closure import ClosureStatus, SiteClosure
from appointment.domain.notices import Notice, Template
from jalon_shared.directory.model import CaseEntry
from jalon_shared.directory.store import CASES, COUNSELLORS, REGIONS
from jalon_shared.events.envelope import Event, utc_now
from jalon_shared.events.vocabulary import AbsentParty, ConsentAnswer, Modality
from jalon_shared.messaging.outbox import Outbox, OutboxRelay
from jalon_shared.mongo import Client, Collection, Database, Session, in_transaction

log = structlog.get_logger(__name__)

T = TypeVar("T")

PLANS = "plans"
APPOINTMENTS = "appointments"
CELLS = "appointment_cells"
NOTIFICATIONS = "notifications"
CLOSURES = "site_closures"
WAITLIST = "waitlist"
#: Settled and cancelled appointments are kept this long after their start, then purged.
APPOINTMENT_RETENTION = timedelta(days=3 * 365)


class AppointmentCollections:
    """The service's own collections."""

    def __init__(self, database: Database) -> None:
        self.plans: Collection = database[PLANS]
        self.appointments: Collection = database[APPOINTMENTS]
        self.cells: Collection = database[CELLS]
        self.notifications: Collection = database[NOTIFICATIONS]
        self.closures: Collection = database[CLOSURES]
        self.waitlist: Collection = database[WAITLIST]
        self.cases: Collection = database[CASES]
        self.regions: Collection = database[REGIONS]
        self.counsellors: Collection = database[COUNSELLORS]

    async def ensure_indexes(self) -> None:
        """Create the lookups' indexes and the retention clocks."""
        # Cells are keyed by "counsellor|instant" in _id: the unique index every collection
        # has is what refuses a second booking of any part of a slot.
        await self.cells.create_index("appointment_id")
        await self.appointments.create_index([("beneficiary_id", ASCENDING)])
        await self.appointments.create_index([("case_id", ASCENDING)])
        await self.appointments.create_index(
            [("counsellor_id", ASCENDING), ("starts_at", ASCENDING)]
        )
        await self.appointments.create_index(
            [("place", ASCENDING), ("modality", ASCENDING), ("status", ASCENDING)]
        )
        await self.appointments.create_index(
            "purge_at", expireAfterSeconds=0, name="appointment_retention"
        )
        await self.notifications.create_index([("status", ASCENDING), ("due_at", ASCENDING)])
        await self.notifications.create_index("beneficiary_id")
        await self.notifications.create_index(
            "purge_at", expireAfterSeconds=0, name="notification_retention"
        )
        await self.closures.create_index([("region", ASCENDING), ("created_at", ASCENDING)])
        await self.closures.create_index("status")
        await self.waitlist.create_index("counsellor_id")
        await self.waitlist.create_index("beneficiary_id")


def cell_key(counsellor_id: str, cell: datetime) -> str:
    """Return a cell's _id: the counsellor and the UTC instant, so overlaps collide."""
    return f"{counsellor_id}|{cell.astimezone(UTC).isoformat()}"


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def plan_to_doc(counsellor_id: str, plan: Plan, now: datetime) -> dict[str, Any]:
    """Return the stored form of a plan."""
    rules = plan.rules
    return {
        "_id": counsellor_id,
        "time_zone": plan.time_zone,
        "windows": [
            {
                "weekday": w.weekday,
                "start": _hhmm(w.start),
                "end": _hhmm(w.end),
                "place": w.place,
            }
            for w in plan.windows
        ],
        "rules": {
            "lengths": {k.value: int(v.total_seconds() // 60) for k, v in rules.lengths.items()},
            "buffer_before_minutes": int(rules.buffer_before.total_seconds() // 60),
            "buffer_after_minutes": int(rules.buffer_after.total_seconds() // 60),
            "notice_hours": int(rules.minimum_notice.total_seconds() // 3600),
            "horizon_days": rules.horizon.days,
        },
        "exceptions": [
            {
                "kind": e.kind.value,
                "starts_at": e.starts_at,
                "ends_at": e.ends_at,
                "place": e.place,
            }
            for e in plan.exceptions
        ],
        "updated_at": now,
    }


def plan_from_doc(doc: dict[str, Any]) -> Plan:
    """Return a plan from its stored form."""
    rules = doc["rules"]
    return Plan(
        time_zone=doc["time_zone"],
        windows=tuple(
            WeeklyWindow(
                weekday=w["weekday"],
                start=time.fromisoformat(w["start"]),
                end=time.fromisoformat(w["end"]),
                place=w["place"],
            )
            for w in doc["windows"]
        ),
        rules=Rules(
            lengths={AppointmentKind(k): timedelta(minutes=v) for k, v in rules["lengths"].items()},
            buffer_before=timedelta(minutes=rules["buffer_before_minutes"]),
            buffer_after=timedelta(minutes=rules["buffer_after_minutes"]),
            minimum_notice=timedelta(hours=rules["notice_hours"]),
            horizon=timedelta(days=rules["horizon_days"]),
        ),
        exceptions=tuple(
            DatedException(
                kind=ExceptionKind(e["kind"]),
                starts_at=e["starts_at"],
                ends_at=e["ends_at"],
                place=e["place"],
            )
            for e in doc.get("exceptions", [])
        ),
    )


def appointment_to_doc(appointment: Appointment) -> dict[str, Any]:
    """Return the stored form of an appointment."""
    pending = appointment.pending_change
    settled = appointment.status is not Status.BOOKED
    return {
        "_id": appointment.appointment_id,
        "case_id": appointment.case_id,
        "beneficiary_id": appointment.beneficiary_id,
        "counsellor_id": appointment.counsellor_id,
        "region": appointment.region,
        "site": appointment.site,
        "kind": appointment.kind.value,
        "modality": appointment.modality.value,
        "place": appointment.place,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "status": appointment.status.value,
        "sequence": appointment.sequence,
        "pending_change": None
        if pending is None
        else {
            "to_modality": pending.to_modality.value,
            "requested_by": pending.requested_by.value,
            "requested_at": pending.requested_at,
            "closure_id": pending.closure_id,
        },
        "consents": [
            {
                "previous_modality": c.previous_modality.value,
                "proposed_modality": c.proposed_modality.value,
                "answer": c.answer.value,
                "answered_at": c.answered_at,
                "requested_by": c.requested_by.value,
                "closure_id": c.closure_id,
            }
            for c in appointment.consents
        ],
        "reason": appointment.reason,
        "absent": appointment.absent.value if appointment.absent else None,
        "purge_at": appointment.starts_at + APPOINTMENT_RETENTION if settled else None,
    }


def appointment_from_doc(doc: dict[str, Any]) -> Appointment:
    """Return an appointment from its stored form."""
    pending = doc.get("pending_change")
    return Appointment(
        appointment_id=doc["_id"],
        case_id=doc["case_id"],
        beneficiary_id=doc["beneficiary_id"],
        counsellor_id=doc["counsellor_id"],
        kind=AppointmentKind(doc["kind"]),
        modality=Modality(doc["modality"]),
        place=doc["place"],
        starts_at=doc["starts_at"],
        ends_at=doc["ends_at"],
        region=doc.get("region", ""),
        site=doc.get("site", ""),
        status=Status(doc["status"]),
        sequence=doc["sequence"],
        pending_change=None
        if pending is None
        else ModalityChange(
            to_modality=Modality(pending["to_modality"]),
            requested_by=Party(pending["requested_by"]),
            requested_at=pending["requested_at"],
            closure_id=pending.get("closure_id"),
        ),
        consents=tuple(
            ConsentRecord(
                previous_modality=Modality(c["previous_modality"]),
                proposed_modality=Modality(c["proposed_modality"]),
                answer=ConsentAnswer(c["answer"]),
                answered_at=c["answered_at"],
                requested_by=Party(c["requested_by"]),
                closure_id=c.get("closure_id"),
            )
            for c in doc.get("consents", [])
        ),
        reason=doc.get("reason"),
        absent=AbsentParty(doc["absent"]) if doc.get("absent") else None,
    )


def closure_to_doc(closure: SiteClosure) -> dict[str, Any]:
    """Return the stored form of a site closure."""
    return {
        "_id": closure.closure_id,
        "region": closure.region,
        "site": closure.site,
        "starts_at": closure.starts_at,
        "ends_at": closure.ends_at,
        "to_modality": closure.to_modality.value,
        "requested_by": closure.requested_by,
        "created_at": closure.created_at,
        "status": closure.status.value,
        "total": closure.total,
        "processed": closure.processed,
        "cursor": closure.cursor,
    }


def closure_from_doc(doc: dict[str, Any]) -> SiteClosure:
    """Return a site closure from its stored form."""
    return SiteClosure(
        closure_id=doc["_id"],
        region=doc["region"],
        site=doc["site"],
        starts_at=doc["starts_at"],
        ends_at=doc["ends_at"],
        to_modality=Modality(doc["to_modality"]),
        requested_by=doc["requested_by"],
        created_at=doc["created_at"],
        status=ClosureStatus(doc["status"]),
        total=doc["total"],
        processed=doc["processed"],
        cursor=doc.get("cursor"),
    )


def notice_to_doc(notice: Notice, now: datetime) -> dict[str, Any]:
    """Return the notification outbox record of a notice."""
    return {
        "template": notice.template.value,
        "beneficiary_id": notice.beneficiary_id,
        "appointment_id": notice.appointment_id,
        "session_id": notice.session_id,
        "sequence": notice.sequence,
        "due_at": notice.due_at,
        "status": "pending",
        "attempts": 0,
        "created_at": now,
    }


def notice_from_doc(doc: dict[str, Any]) -> Notice:
    """Return the notice a notification outbox record holds."""
    return Notice(
        key=doc["_id"],
        template=Template(doc["template"]),
        beneficiary_id=doc["beneficiary_id"],
        due_at=doc["due_at"],
        appointment_id=doc.get("appointment_id"),
        session_id=doc.get("session_id"),
        sequence=doc.get("sequence", 0),
    )


def face_to_face_query(
    site: str, start: datetime, end: datetime, after: UUID | None
) -> dict[str, Any]:
    """Return the filter of booked face-to-face appointments at a site in a period."""
    query: dict[str, Any] = {
        "place": site,
        "modality": Modality.FACE_TO_FACE.value,
        "status": Status.BOOKED.value,
        "starts_at": {"$lt": end},
        "ends_at": {"$gt": start},
    }
    if after is not None:
        query["_id"] = {"$gt": after}
    return query


class StagedWrites:
    """Events and notices a transaction queues, written together when its work ends."""

    def __init__(self, notifications: Collection, session: Session) -> None:
        self._notifications = notifications
        self._session = session
        self.events: list[Event] = []
        self.notices: list[Notice] = []

    def publish(self, *events: Event) -> None:
        """Queue events for the outbox, written when the work ends."""
        self.events.extend(events)

    def notify(self, *notices: Notice) -> None:
        """Queue notices for the notification outbox, written when the work ends."""
        self.notices.extend(notices)

    async def flush(self, outbox: Outbox, now: datetime) -> None:
        """Write the queued events and notices in the transaction."""
        await outbox.stage(self.events, self._session)
        if self.notices:
            # Upserts keyed by the notice: a retried or resumed piece of work queues it once.
            await self._notifications.bulk_write(
                [
                    UpdateOne({"_id": n.key}, {"$setOnInsert": notice_to_doc(n, now)}, upsert=True)
                    for n in self.notices
                ],
                ordered=False,
                session=self._session,
            )


TxT = TypeVar("TxT", bound=StagedWrites)


class StagingUnitOfWork(Generic[TxT]):
    """Runs work in MongoDB transactions; after a commit, wakes the relay and the dispatcher."""

    def __init__(
        self,
        client: Client,
        open_transaction: Callable[[Session], TxT],
        outbox: Outbox,
        relay: OutboxRelay,
        clock: Callable[[], datetime],
        on_notices: Callable[[], None],
    ) -> None:
        self._client = client
        self._open = open_transaction
        self._outbox = outbox
        self._relay = relay
        self._clock = clock
        self._on_notices = on_notices

    async def run(self, work: Callable[[TxT], Awaitable[T]]) -> T:
        """Run work in one transaction; its events and notices commit with it."""
        queued: list[bool] = []

        async def attempt(session: Session) -> T:
            tx = self._open(session)
            result = await work(tx)
            await tx.flush(self._outbox, self._clock())
            queued[:] = [bool(tx.events), bool(tx.notices)]
            return result

        result = await in_transaction(self._client, attempt)
        if queued and queued[0]:
            self._relay.notify()
        if queued and queued[1]:
            self._on_notices()
        return result


class MongoAppointmentTransaction(StagedWrites, AppointmentTransaction):
    """The transaction's reads and writes; events and notices are written at its end."""

    def __init__(self, collections: AppointmentCollections, session: Session) -> None:
        super().__init__(collections.notifications, session)
        self._c = collections

    async def appointment(self, appointment_id: UUID) -> Appointment | None:
        """Return an appointment read in the transaction's snapshot."""
        doc = await self._c.appointments.find_one({"_id": appointment_id}, session=self._session)
        return None if doc is None else appointment_from_doc(doc)

    async def add(self, appointment: Appointment, cells: Sequence[datetime]) -> None:
        """Insert the appointment's cells, then the appointment."""
        await self._take_cells(appointment, cells)
        await self._c.appointments.insert_one(
            appointment_to_doc(appointment), session=self._session
        )
        if cells:
            await self._bookings_changed(appointment.counsellor_id)

    async def _take_cells(self, appointment: Appointment, cells: Sequence[datetime]) -> None:
        if not cells:
            return
        docs = [
            {
                "_id": cell_key(appointment.counsellor_id, cell),
                "appointment_id": appointment.appointment_id,
            }
            for cell in cells
        ]
        try:
            await self._c.cells.insert_many(docs, ordered=True, session=self._session)
        except DuplicateKeyError as exc:
            raise SlotTakenError from exc
        except Exception as exc:
            # insert_many reports a duplicate as a bulk write error carrying code 11000.
            details = getattr(exc, "details", None) or {}
            errors = details.get("writeErrors", []) if isinstance(details, dict) else []
            if any(err.get("code") == 11000 for err in errors):
                raise SlotTakenError from exc
            raise

    async def replace(
        self, appointment: Appointment, cells: Sequence[datetime] | None = None
    ) -> None:
        """Store a changed appointment and swap its cells when asked."""
        if cells is not None:
            await self._c.cells.delete_many(
                {"appointment_id": appointment.appointment_id}, session=self._session
            )
            await self._take_cells(appointment, cells)
            await self._bookings_changed(appointment.counsellor_id)
        await self._c.appointments.replace_one(
            {"_id": appointment.appointment_id},
            appointment_to_doc(appointment),
            session=self._session,
        )

    async def save_plan(self, counsellor_id: str, plan: Plan, *, now: datetime) -> None:
        """Store the counsellor's plan, keeping its bookings' version."""
        fields = {k: v for k, v in plan_to_doc(counsellor_id, plan, now).items() if k != "_id"}
        await self._c.plans.update_one(
            {"_id": counsellor_id}, {"$set": fields}, upsert=True, session=self._session
        )

    async def _bookings_changed(self, counsellor_id: str) -> None:
        # Searches cache a counsellor's busy intervals under this version; the bump commits
        # with the booking, so no replica serves intervals older than what it reads.
        await self._c.plans.update_one(
            {"_id": counsellor_id}, {"$inc": {"busy_version": 1}}, session=self._session
        )

    async def closure(self, closure_id: UUID) -> SiteClosure | None:
        """Return a closure read in the snapshot."""
        doc = await self._c.closures.find_one({"_id": closure_id}, session=self._session)
        return None if doc is None else closure_from_doc(doc)

    async def save_closure(self, closure: SiteClosure) -> None:
        """Store a closure's state."""
        await self._c.closures.replace_one(
            {"_id": closure.closure_id},
            closure_to_doc(closure),
            upsert=True,
            session=self._session,
        )

    async def face_to_face_at(
        self, site: str, start: datetime, end: datetime, *, after: UUID | None, limit: int
    ) -> list[Appointment]:
        """Return booked face-to-face appointments at a site in a period, read in the snapshot."""
        query = face_to_face_query(site, start, end, after)
        cursor = (
            self._c.appointments.find(query, session=self._session)
            .sort("_id", ASCENDING)
            .limit(limit)
        )
        return [appointment_from_doc(d) async for d in cursor]

    async def held_before(self, case_id: UUID, appointment_id: UUID) -> bool:
        """Return whether another appointment of the case was already held."""
        found = await self._c.appointments.find_one(
            {"case_id": case_id, "status": Status.HELD.value, "_id": {"$ne": appointment_id}},
            projection={"_id": 1},
            session=self._session,
        )
        return found is not None

    async def waitlist(self, counsellor_id: str) -> list[WaitlistEntry]:
        """Return who waits for an earlier slot with this counsellor, oldest first."""
        cursor = self._c.waitlist.find(
            {"counsellor_id": counsellor_id}, session=self._session
        ).sort("created_at", ASCENDING)
        return [
            WaitlistEntry(
                case_id=d["_id"],
                beneficiary_id=d["beneficiary_id"],
                counsellor_id=d["counsellor_id"],
                created_at=d["created_at"],
            )
            async for d in cursor
        ]

    async def join_waitlist(self, entry: WaitlistEntry) -> None:
        """Put a case on its counsellor's waitlist (once)."""
        await self._c.waitlist.update_one(
            {"_id": entry.case_id},
            {
                "$setOnInsert": {
                    "beneficiary_id": entry.beneficiary_id,
                    "counsellor_id": entry.counsellor_id,
                    "created_at": entry.created_at,
                }
            },
            upsert=True,
            session=self._session,
        )

    async def leave_waitlist(self, case_id: UUID) -> None:
        """Take a case off the waitlist."""
        await self._c.waitlist.delete_one({"_id": case_id}, session=self._session)


class MongoUnitOfWork(StagingUnitOfWork[MongoAppointmentTransaction]):
    """Runs appointment use cases in MongoDB transactions."""

    def __init__(
        self,
        client: Client,
        collections: AppointmentCollections,
        outbox: Outbox,
        relay: OutboxRelay,
        clock: Callable[[], datetime],
        on_notices: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(
            client,
            lambda session: MongoAppointmentTransaction(collections, session),
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
        collections: AppointmentCollections,
        outbox: Outbox,
        clock: Callable[[], datetime],
        session: Session,
    ) -> None:
        self._c = collections
        self._outbox = outbox
        self._clock = clock
        self._session = session

    async def run(self, work: Callable[[AppointmentTransaction], Awaitable[T]]) -> T:
        """Run work and stage its events and notices; the relay's poll publishes them."""
        tx = MongoAppointmentTransaction(self._c, self._session)
        result = await work(tx)
        await tx.flush(self._outbox, self._clock())
        return result


@dataclass(frozen=True, slots=True)
class _BusyCache:
    """A counsellor's booked intervals at one bookings version, over a span of time."""

    version: int
    start: datetime
    end: datetime
    intervals: list[tuple[datetime, datetime, UUID]]


class MongoAppointmentQueries:
    """Reads for pages and slot searches."""

    def __init__(
        self, collections: AppointmentCollections, *, cached_counsellors: int = 2000
    ) -> None:
        self._c = collections
        self._busy: OrderedDict[str, _BusyCache] = OrderedDict()
        self._cached_counsellors = cached_counsellors

    async def schedule(
        self, counsellor_id: str, start: datetime, end: datetime, *, exclude: UUID | None = None
    ) -> Schedule | None:
        """Return the plan and the intervals booked in [start, end): one read when cached."""
        doc = await self._c.plans.find_one({"_id": counsellor_id})
        if doc is None or "rules" not in doc:
            return None
        plan = plan_from_doc(doc)
        version = int(doc.get("busy_version", 0))
        cached = self._busy.get(counsellor_id)
        if cached is None or cached.version != version or start < cached.start or end > cached.end:
            # Cache the whole bookable span (horizon included), so the next searches of any
            # window in it, on any page, cost the plan's read alone.
            span_start = start - timedelta(days=1)
            span_end = max(end, utc_now() + plan.rules.horizon) + timedelta(days=1)
            cursor = self._c.appointments.find(
                {
                    "counsellor_id": counsellor_id,
                    "status": Status.BOOKED.value,
                    "starts_at": {"$lt": span_end, "$gte": span_start},
                    "modality": {"$ne": Modality.ASYNCHRONOUS.value},
                },
                projection={"starts_at": 1, "ends_at": 1},
                batch_size=5000,
            )
            intervals = [(d["starts_at"], d["ends_at"], d["_id"]) async for d in cursor]
            cached = _BusyCache(version, span_start + timedelta(days=1), span_end, intervals)
            self._busy[counsellor_id] = cached
            while len(self._busy) > self._cached_counsellors:
                self._busy.popitem(last=False)
        self._busy.move_to_end(counsellor_id)
        busy = [
            Busy(s, e)
            for s, e, appointment_id in cached.intervals
            if e > start and s < end and appointment_id != exclude
        ]
        return Schedule(plan, busy)

    async def plan(self, counsellor_id: str) -> Plan | None:
        """Return the counsellor's plan."""
        doc = await self._c.plans.find_one({"_id": counsellor_id})
        return None if doc is None or "rules" not in doc else plan_from_doc(doc)

    async def appointment(self, appointment_id: UUID) -> Appointment | None:
        """Return one appointment."""
        doc = await self._c.appointments.find_one({"_id": appointment_id})
        return None if doc is None else appointment_from_doc(doc)

    async def _many(self, query: dict[str, Any], limit: int = 500) -> list[Appointment]:
        cursor = self._c.appointments.find(query).sort("starts_at", ASCENDING).limit(limit)
        return [appointment_from_doc(d) async for d in cursor]

    async def of_beneficiary(self, beneficiary_id: UUID) -> list[Appointment]:
        """Return a beneficiary's appointments."""
        return await self._many({"beneficiary_id": beneficiary_id})

    async def of_case(self, case_id: UUID) -> list[Appointment]:
        """Return a case's appointments."""
        return await self._many({"case_id": case_id})

    async def of_counsellor(
        self, counsellor_id: str, start: datetime, end: datetime
    ) -> list[Appointment]:
        """Return a counsellor's appointments starting in [start, end)."""
        return await self._many(
            {"counsellor_id": counsellor_id, "starts_at": {"$gte": start, "$lt": end}}
        )

    async def closures_at(self, site: str, start: datetime, end: datetime) -> list[SiteClosure]:
        """Return the closures of a site that reach into [start, end)."""
        cursor = self._c.closures.find(
            {"site": site, "starts_at": {"$lt": end}, "ends_at": {"$gt": start}}
        )
        return [closure_from_doc(d) async for d in cursor]

    async def closures_of_region(self, region: str) -> list[SiteClosure]:
        """Return a region's closures, newest first."""
        cursor = self._c.closures.find({"region": region}).sort("created_at", -1).limit(50)
        return [closure_from_doc(d) async for d in cursor]

    async def closure(self, closure_id: UUID) -> SiteClosure | None:
        """Return one closure."""
        doc = await self._c.closures.find_one({"_id": closure_id})
        return None if doc is None else closure_from_doc(doc)

    async def running_closures(self) -> list[SiteClosure]:
        """Return the closures a restart must resume."""
        cursor = self._c.closures.find({"status": ClosureStatus.RUNNING.value})
        return [closure_from_doc(d) async for d in cursor]

    async def face_to_face_at(
        self, site: str, start: datetime, end: datetime, *, after: UUID | None, limit: int
    ) -> list[Appointment]:
        """Return booked face-to-face appointments at a site in a period, in id order."""
        query = face_to_face_query(site, start, end, after)
        cursor = self._c.appointments.find(query).sort("_id", ASCENDING).limit(limit)
        return [appointment_from_doc(d) async for d in cursor]

    async def count_face_to_face_at(self, site: str, start: datetime, end: datetime) -> int:
        """Return how many booked face-to-face appointments a site holds in a period."""
        return await self._c.appointments.count_documents(
            face_to_face_query(site, start, end, None)
        )

    async def on_waitlist(self, case_id: UUID) -> bool:
        """Return whether a case waits for an earlier slot."""
        return await self._c.waitlist.find_one({"_id": case_id}, projection={"_id": 1}) is not None


class MongoCaseDirectory:
    """The directory copy's cases and counsellors, read from this service's database."""

    def __init__(self, collections: AppointmentCollections) -> None:
        self._c = collections

    async def case(self, case_id: UUID) -> CaseEntry | None:
        """Return one case's ownership."""
        doc = await self._c.cases.find_one({"_id": case_id})
        return None if doc is None else CaseEntry.model_validate({**doc, "case_id": doc["_id"]})

    async def cases_of(self, beneficiary_id: UUID) -> list[CaseEntry]:
        """Return a beneficiary's cases."""
        cursor = self._c.cases.find({"beneficiary_id": beneficiary_id})
        return [CaseEntry.model_validate({**d, "case_id": d["_id"]}) async for d in cursor]

    async def counsellor_region(self, counsellor_id: str) -> str | None:
        """Return the region a counsellor works in."""
        doc = await self._c.counsellors.find_one({"_id": counsellor_id}, projection={"region": 1})
        return None if doc is None else str(doc.get("region"))

    async def opened_at(self, case_id: UUID) -> datetime | None:
        """Return when a case was opened, as the directory copy recorded it."""
        doc = await self._c.cases.find_one({"_id": case_id}, projection={"opened_at": 1})
        value = None if doc is None else doc.get("opened_at")
        return value if isinstance(value, datetime) else None

    async def site_in_region(self, region: str, site: str) -> bool:
        """Return whether a site belongs to a region in the reference data copy."""
        doc = await self._c.regions.find_one({"_id": region, "sites.code": site})
        return doc is not None


class MongoEraser:
    """Deletes a beneficiary's appointments, their cells, notices and waitlist entries."""

    def __init__(self, collections: AppointmentCollections) -> None:
        self._c = collections

    async def erase(self, beneficiary_id: UUID, case_ids: Sequence[UUID], session: object) -> int:
        """Delete everything held about the person, in the caller's transaction."""
        tx: Session = session  # type: ignore[assignment]
        owned: dict[str, Any] = {"beneficiary_id": beneficiary_id}
        if case_ids:
            owned = {"$or": [owned, {"case_id": {"$in": list(case_ids)}}]}
        ids = [d["_id"] async for d in self._c.appointments.find(owned, {"_id": 1}, session=tx)]
        if ids:
            await self._c.cells.delete_many({"appointment_id": {"$in": ids}}, session=tx)
        removed = await self._c.appointments.delete_many({"_id": {"$in": ids}}, session=tx)
        await self._c.notifications.delete_many({"beneficiary_id": beneficiary_id}, session=tx)
        waiting: dict[str, Any] = {"beneficiary_id": beneficiary_id}
        if case_ids:
            waiting = {"$or": [waiting, {"_id": {"$in": list(case_ids)}}]}
        await self._c.waitlist.delete_many(waiting, session=tx)
        return removed.deleted_count

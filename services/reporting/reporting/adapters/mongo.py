"""MongoDB adapter for reporting: generations of read models, folded batch by batch.

Every read-model collection belongs to a generation (g3_counters, g3_cases, …). The active one is
read; a rebuild fills the next one from the producers' history while the live consumer writes to
both, then makes it active and drops the old one. No collection holds a person's id or details:
only case, appointment and document ids (dropped on erasure) and categories.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from pymongo import ASCENDING, DeleteMany, ReplaceOne, ReturnDocument, UpdateOne

from jalon_shared.events.envelope import Event
from jalon_shared.events.intake import CaseOpened
from jalon_shared.events.registry import parse_event
from jalon_shared.mongo import Client, Collection, Database, Document, Session, in_transaction
from reporting.domain.counters import Contribution, document_id
from reporting.domain.fold import (
    AppointmentState,
    CaseState,
    Changes,
    DocumentState,
    Fold,
    MeetingState,
    RegistrationState,
    State,
    needs,
)

log = structlog.get_logger(__name__)

META = "read_model_meta"
REGION_LABELS = "region_labels"
GENERATION_ID = "generation"
#: What the fold writes, bumped when that changes (2: quarters got their own documents). A
#: generation built by older code is rebuilt at startup, so no view reads a shape it lacks.
FORMAT = 2
#: A rebuild that has not reported progress for this long is taken to have died with its process.
STALL_AFTER = timedelta(minutes=10)
#: How long an old generation stays after the switch, for live batches already under way.
DROP_GRACE_SECONDS = 5.0
#: Stands in for a person's id in a parked event: the fold never reads it.
NOBODY = UUID(int=0)
PARTS = (
    "counters",
    "cases",
    "appointments",
    "documents",
    "meetings",
    "registrations",
    "parked",
    "seen",
)
#: An event parked for a case that never opens (lost to the producer's retention) goes after this.
PARKED_RETENTION = timedelta(days=90)


class ClaimLostError(RuntimeError):
    """A rebuild finished after its claim was taken over as stalled; its work is dropped."""

    def __init__(self, number: int) -> None:
        super().__init__(f"rebuild claim of generation {number} was taken over")


class Generation:
    """The collections of one generation of the read model."""

    def __init__(self, database: Database, number: int) -> None:
        self.number = number
        self.counters: Collection = database[f"g{number}_counters"]
        self.cases: Collection = database[f"g{number}_cases"]
        self.appointments: Collection = database[f"g{number}_appointments"]
        self.documents: Collection = database[f"g{number}_documents"]
        self.meetings: Collection = database[f"g{number}_meetings"]
        self.registrations: Collection = database[f"g{number}_registrations"]
        self.parked: Collection = database[f"g{number}_parked"]
        self.seen: Collection = database[f"g{number}_seen"]

    async def ensure_indexes(self) -> None:
        """Create what the fold's lookups and the erasure need."""
        await self.appointments.create_index([("case_id", ASCENDING)])
        await self.documents.create_index([("case_id", ASCENDING)])
        await self.parked.create_index([("case_id", ASCENDING), ("order", ASCENDING)])
        await self.parked.create_index(
            "parked_at", expireAfterSeconds=int(PARKED_RETENTION.total_seconds())
        )

    async def drop(self) -> None:
        """Drop every collection of the generation."""
        for name in PARTS:
            await getattr(self, name).drop()


class ReadModelStore:
    """Which generation is read and which is being built, and the region labels."""

    def __init__(self, client: Client, database: Database) -> None:
        self.client = client
        self.database = database
        self.meta: Collection = database[META]
        self.labels: Collection = database[REGION_LABELS]

    def generation(self, number: int) -> Generation:
        """Return a generation's collections."""
        return Generation(self.database, number)

    async def ensure_indexes(self) -> None:
        """Make sure the meta document and the active generation's indexes exist."""
        await self.meta.update_one(
            {"_id": GENERATION_ID},
            {"$setOnInsert": {"active": 1, "building": None, "format": FORMAT}},
            upsert=True,
        )
        state = await self.state()
        await self.generation(state["active"]).ensure_indexes()

    async def state(self, session: Session | None = None) -> Document:
        """Return the meta document: active and building generation, and the last rebuild."""
        doc = await self.meta.find_one({"_id": GENERATION_ID}, session=session)
        return doc or {"active": 1, "building": None}

    async def outdated(self) -> bool:
        """Whether the active generation was built by code that wrote an older shape."""
        return int((await self.state()).get("format", 1)) < FORMAT

    async def active(self) -> Generation:
        """Return the generation reads go to."""
        return self.generation(int((await self.state())["active"]))

    async def targets(self, session: Session | None = None) -> list[Generation]:
        """Return the generations live events are written to: the active one and a building one."""
        state = await self.state(session)
        numbers = [int(state["active"])]
        if state.get("building") is not None:
            numbers.append(int(state["building"]))
        return [self.generation(n) for n in numbers]

    async def begin_rebuild(self, now: datetime | None = None) -> Generation | None:
        """Claim a new generation for a rebuild; None when a live rebuild is already running."""
        now = now or datetime.now(UTC)
        state = await self.state()
        building = state.get("building")
        if building is not None:
            if not _stalled(state, now):
                return None
            # Its process died mid-rebuild: nothing would ever clear the claim otherwise.
            await self.abandon_rebuild(self.generation(int(building)), "stalled")
            state = await self.state()
            if state.get("building") is not None:
                return None
        number = await self._allocate(int(state["active"]))
        generation = self.generation(number)
        # A number no other claimer holds, so replicas starting a rebuild together never empty
        # one another's; emptied before it is claimed, as the live consumer then writes to it.
        await generation.drop()
        await generation.ensure_indexes()
        claimed = await self.meta.update_one(
            {"_id": GENERATION_ID, "building": None, "active": state["active"]},
            {
                "$set": {
                    "building": number,
                    "rebuild": {
                        "generation": number,
                        "status": "running",
                        "started_at": now,
                        "beat": now,
                        "applied": 0,
                        "read": 0,
                    },
                }
            },
        )
        if claimed.modified_count == 1:
            return generation
        await generation.drop()
        return None

    async def rebuilding(self, now: datetime | None = None) -> bool:
        """Whether a rebuild holds the claim and is still reporting progress."""
        state = await self.state()
        return state.get("building") is not None and not _stalled(state, now or datetime.now(UTC))

    async def _allocate(self, active: int) -> int:
        """Return a generation number above the active one that no one else was given."""
        await self.meta.update_one({"_id": GENERATION_ID}, {"$max": {"next": active}})
        doc = await self.meta.find_one_and_update(
            {"_id": GENERATION_ID},
            {"$inc": {"next": 1}},
            return_document=ReturnDocument.AFTER,
        )
        return int((doc or {}).get("next", active + 1))

    async def progress(self, generation: Generation, read: int, applied: int, source: str) -> None:
        """Record how far a rebuild has come; raises ClaimLostError once it was taken over."""
        recorded = await self.meta.update_one(
            {"_id": GENERATION_ID, "building": generation.number},
            {
                "$set": {
                    "rebuild.read": read,
                    "rebuild.applied": applied,
                    "rebuild.source": source,
                    "rebuild.beat": datetime.now(UTC),
                }
            },
        )
        if recorded.matched_count == 0:
            # A process thought dead stops here instead of folding into a dropped generation.
            raise ClaimLostError(generation.number)

    async def finish_rebuild(self, generation: Generation, *, seconds: float) -> None:
        """Make the rebuilt generation the one read, then drop the old one."""
        before = await self.meta.find_one_and_update(
            {"_id": GENERATION_ID, "building": generation.number},
            {
                "$set": {
                    "active": generation.number,
                    "building": None,
                    "format": FORMAT,
                    "rebuild.status": "done",
                    "rebuild.seconds": round(seconds, 3),
                    "rebuild.finished_at": datetime.now(UTC),
                }
            },
            return_document=ReturnDocument.BEFORE,
        )
        if before is None:
            # Taken over as stalled meanwhile: the active generation is someone else's to keep.
            await generation.drop()
            raise ClaimLostError(generation.number)
        old = int(before["active"])
        if old != generation.number:
            # A live batch that read the targets just before the switch may still be writing.
            await asyncio.sleep(DROP_GRACE_SECONDS)
            await self.generation(old).drop()

    async def abandon_rebuild(self, generation: Generation, reason: str) -> None:
        """Give up a rebuild: the active generation stays, the half-built one goes."""
        await self.meta.update_one(
            {"_id": GENERATION_ID, "building": generation.number},
            {
                "$set": {
                    "building": None,
                    "rebuild.status": "failed",
                    "rebuild.error": reason,
                    "rebuild.finished_at": datetime.now(UTC),
                }
            },
        )
        await generation.drop()

    async def save_region_label(self, region: str, label: str, sites: dict[str, str]) -> None:
        """Keep a region's label and its sites' labels (reference data, no person)."""
        await self.labels.replace_one(
            {"_id": region}, {"_id": region, "label": label, "sites": sites}, upsert=True
        )

    async def region_labels(self, region: str) -> tuple[str, dict[str, str]]:
        """Return a region's label and its sites' labels (codes when unknown)."""
        doc = await self.labels.find_one({"_id": region})
        if doc is None:
            return region, {}
        return str(doc["label"]), {str(k): str(v) for k, v in doc.get("sites", {}).items()}

    async def regions(self) -> list[str]:
        """Return every region known from reference data."""
        return [str(doc["_id"]) async for doc in self.labels.find({}, projection={"_id": 1})]


# Folding a batch into one generation ----------------------------------------------------------


def _stalled(state: Document, now: datetime) -> bool:
    """Whether the running rebuild has been silent past STALL_AFTER."""
    rebuild = state.get("rebuild") or {}
    beat = rebuild.get("beat") or rebuild.get("started_at")
    return beat is None or now - beat > STALL_AFTER


async def apply_batch(generation: Generation, events: Sequence[Event], session: Session) -> int:
    """Fold the events this generation has not seen, inside the caller's transaction."""
    ids = [str(e.event_id) for e in events]
    seen = {
        doc["_id"]
        async for doc in generation.seen.find(
            {"_id": {"$in": ids}}, projection={"_id": 1}, session=session
        )
    }
    unique: dict[str, Event] = {}
    for event in events:
        if str(event.event_id) not in seen:
            unique.setdefault(str(event.event_id), event)
    fresh = list(unique.values())
    if not fresh:
        return 0
    now = datetime.now(UTC)
    await generation.seen.insert_many(
        [{"_id": key, "at": now} for key in unique], ordered=False, session=session
    )
    state, parked = await _load(generation, fresh, session)
    changes = Fold(state, parked).apply_all(fresh)
    await _write(generation, changes, session, now)
    return len(fresh)


async def _load(
    generation: Generation, events: Sequence[Event], session: Session
) -> tuple[State, dict[UUID, list[Event]]]:
    wanted = needs(list(events))
    state = State()
    if wanted.cases:
        async for doc in generation.cases.find(
            {"_id": {"$in": list(wanted.cases)}}, session=session
        ):
            state.cases[doc["_id"]] = _case(doc)
    # Two finds, not one $or: the embedded server scans the whole collection for an $or.
    if wanted.appointments:
        query = {"_id": {"$in": list(wanted.appointments)}}
        async for doc in generation.appointments.find(query, session=session):
            state.appointments[doc["_id"]] = _appointment(doc)
    if wanted.relevelled:
        query = {"case_id": {"$in": list(wanted.relevelled)}}
        async for doc in generation.appointments.find(query, session=session):
            state.appointments.setdefault(doc["_id"], _appointment(doc))
    if wanted.documents:
        query = {"_id": {"$in": list(wanted.documents)}}
        async for doc in generation.documents.find(query, session=session):
            state.documents[doc["_id"]] = DocumentState(
                doc["_id"], doc["case_id"], doc["submitted_at"]
            )
    if wanted.meetings:
        async for doc in generation.meetings.find(
            {"_id": {"$in": list(wanted.meetings)}}, session=session
        ):
            state.meetings[doc["_id"]] = _meeting(doc)
    if wanted.registrations:
        query = {"_id": {"$in": list(wanted.registrations)}}
        async for doc in generation.registrations.find(query, session=session):
            state.registrations[doc["_id"]] = RegistrationState(
                doc["_id"], doc["session_id"], doc["status"], _contribution(doc)
            )
    opening = [e.case_id for e in events if isinstance(e, CaseOpened)]
    parked: dict[UUID, list[Event]] = {}
    if opening:
        cursor = generation.parked.find(
            {"case_id": {"$in": opening}}, session=session, sort=[("order", ASCENDING)]
        )
        async for doc in cursor:
            parked.setdefault(doc["case_id"], []).append(parse_event(doc["payload"]))
    return state, parked


async def _write(generation: Generation, changes: Changes, session: Session, now: datetime) -> None:
    counter_ops = [
        UpdateOne(
            {"_id": doc},
            {"$inc": incs, "$setOnInsert": {"kind": kind, "key": key, "region": region}},
            upsert=True,
        )
        for doc, (kind, key, region), incs in changes.deltas.documents()
    ]
    if counter_ops:
        await generation.counters.bulk_write(counter_ops, ordered=False, session=session)
    await _replace(generation.cases, (_case_doc(c) for c in changes.cases.values()), session)
    await _replace(
        generation.appointments,
        (_appointment_doc(a) for a in changes.appointments.values()),
        session,
    )
    await _replace(
        generation.documents,
        (
            {"_id": d.document_id, "case_id": d.case_id, "submitted_at": d.submitted_at}
            for d in changes.documents.values()
        ),
        session,
    )
    await _replace(
        generation.meetings, (_meeting_doc(m) for m in changes.meetings.values()), session
    )
    await _replace(
        generation.registrations,
        (
            {
                "_id": r.registration_id,
                "session_id": r.session_id,
                "status": r.status,
                "contribution": None if r.contribution is None else r.contribution.to_document(),
            }
            for r in changes.registrations.values()
        ),
        session,
    )
    if changes.unparked:
        await generation.parked.delete_many(
            {"case_id": {"$in": list(changes.unparked)}}, session=session
        )
    if changes.parked:
        await generation.parked.insert_many(
            [
                {
                    "case_id": case_id,
                    "order": f"{event.occurred_at.isoformat()}|{event.event_id}",
                    "payload": _scrubbed(event),
                    "parked_at": now,
                }
                for case_id, event in changes.parked
            ],
            session=session,
        )
    if changes.erased:
        erased = list(changes.erased)
        await generation.cases.delete_many({"_id": {"$in": erased}}, session=session)
        for collection in (generation.appointments, generation.documents, generation.parked):
            await collection.bulk_write([DeleteMany({"case_id": {"$in": erased}})], session=session)


def _scrubbed(event: Event) -> str:
    """Return a parked event's JSON without the person's id: reporting keeps no link to anyone."""
    if "beneficiary_id" in type(event).model_fields:
        event = event.model_copy(update={"beneficiary_id": NOBODY})
    return event.model_dump_json()


async def _replace(collection: Collection, docs: Iterable[Document], session: Session) -> None:
    ops = [ReplaceOne({"_id": doc["_id"]}, doc, upsert=True) for doc in docs]
    if ops:
        await collection.bulk_write(ops, ordered=False, session=session)


def _contribution(doc: Document) -> Contribution | None:
    value = doc.get("contribution")
    return None if value is None else Contribution.from_document(value)


def _case(doc: Document) -> CaseState:
    return CaseState(
        doc["_id"],
        doc["region"],
        doc["site"],
        doc["csp"],
        [(at, level) for at, level in doc["levels"]],
        opened=bool(doc.get("opened", True)),
        facts=[(at, Contribution.from_document(c)) for at, c in doc.get("facts", [])],
    )


def _case_doc(case: CaseState) -> Document:
    return {
        "_id": case.case_id,
        "region": case.region,
        "site": case.site,
        "csp": case.csp,
        "levels": [[at, level] for at, level in case.levels],
        "opened": case.opened,
        "facts": [[at, fact.to_document()] for at, fact in case.facts],
    }


def _appointment(doc: Document) -> AppointmentState:
    return AppointmentState(
        doc["_id"],
        doc["case_id"],
        doc["modality"],
        doc["starts_at"],
        doc["status"],
        doc.get("first_delay_days"),
        _contribution(doc),
    )


def _appointment_doc(a: AppointmentState) -> Document:
    return {
        "_id": a.appointment_id,
        "case_id": a.case_id,
        "modality": a.modality,
        "starts_at": a.starts_at,
        "status": a.status,
        "first_delay_days": a.first_delay_days,
        "contribution": None if a.contribution is None else a.contribution.to_document(),
    }


def _meeting(doc: Document) -> MeetingState:
    return MeetingState(
        doc["_id"],
        doc["region"],
        doc["site"],
        doc["modality"],
        doc["starts_at"],
        int(doc["attended"]),
        _contribution(doc),
    )


def _meeting_doc(m: MeetingState) -> Document:
    return {
        "_id": m.session_id,
        "region": m.region,
        "site": m.site,
        "modality": m.modality,
        "starts_at": m.starts_at,
        "attended": m.attended,
        "contribution": None if m.contribution is None else m.contribution.to_document(),
    }


class MongoProjection:
    """The live consumer's applier: buffers a batch, folds it into every target generation."""

    def __init__(self, store: ReadModelStore, session: Session) -> None:
        self._store = store
        self._session = session
        self._events: list[Event] = []

    async def apply(self, event: Event) -> None:
        """Buffer one event of the batch."""
        self._events.append(event)

    async def flush(self) -> None:
        """Fold the batch into the active generation, and into the one being rebuilt."""
        if not self._events:
            return
        for generation in await self._store.targets(self._session):
            await apply_batch(generation, self._events, self._session)
        self._events.clear()


class MongoCounterReader:
    """Reads a region's period documents from the active generation."""

    def __init__(self, store: ReadModelStore) -> None:
        self._store = store

    async def documents(
        self, region: str, kind: str, keys: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """Return the cells of a region's period documents, by period key (one query)."""
        generation = await self._store.active()
        ids = [document_id(kind, key, region) for key in keys]
        found: dict[str, dict[str, Any]] = {}
        async for doc in generation.counters.find({"_id": {"$in": ids}}):
            found[str(doc["key"])] = doc.get("cells", {})
        return found


async def apply_in_transaction(
    client: Client, generation: Generation, events: Sequence[Event]
) -> int:
    """Fold a batch into one generation in its own transaction (the rebuild's path)."""
    return await in_transaction(client, lambda s: apply_batch(generation, events, s))


class MongoRebuildTarget:
    """RebuildTarget: a generation claimed for a rebuild, each batch in its own transaction."""

    def __init__(self, store: ReadModelStore, generation: Generation) -> None:
        self._store = store
        self.generation = generation

    async def apply(self, events: Sequence[Event]) -> int:
        """Fold one batch."""
        return await apply_in_transaction(self._store.client, self.generation, events)

    async def progress(self, read: int, applied: int, source: str) -> None:
        """Record progress."""
        await self._store.progress(self.generation, read, applied, source)

    async def finish(self, seconds: float) -> None:
        """Make the generation active."""
        await self._store.finish_rebuild(self.generation, seconds=seconds)

    async def abandon(self, reason: str) -> None:
        """Drop the half-built generation."""
        await self._store.abandon_rebuild(self.generation, reason)

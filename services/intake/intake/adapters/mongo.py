"""MongoDB adapter for intake: collections, indexes and the unit of work."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from collections.abc import Collection as Many
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import structlog
from pydantic import BaseModel
from pymongo import ASCENDING, DESCENDING, InsertOne, ReplaceOne, UpdateOne
from pymongo.errors import PyMongoError

from intake.application.ports import CaseloadQuery
from intake.domain.alerts import no_contact_cutoff, subtract_working_days
from intake.domain.model import (
    Beneficiary,
    Case,
    CepRequest,
    Counsellor,
)
from intake.domain.surveys import Survey, SurveyStatus
from jalon_shared.events.envelope import Event
from jalon_shared.events.vocabulary import CaseAlert, CaseStatus, ReviewStatus, SurveyKind
from jalon_shared.messaging.outbox import Outbox, OutboxRelay
from jalon_shared.mongo import Client, Collection, Database, Document, Session, in_transaction
from jalon_shared.places import Region

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

log = structlog.get_logger(__name__)

BENEFICIARIES = "beneficiaries"
REQUESTS = "requests"
CASES = "cases"
COUNSELLORS = "counsellors"
REGIONS = "regions"
SURVEYS = "surveys"
#: A follow-up's e-mail waits in this state until due (adapters/follow_ups.py moves it on).
MAIL_SCHEDULED = "scheduled"
#: Contact lookups match people, never the provisional records of requests awaiting review.
NOT_PROVISIONAL = {"provisional": {"$ne": True}}
PENDING_REVIEW = ReviewStatus.PENDING.value

#: A caseload line needs neither the history nor the activity bookkeeping behind its dates.
CASELOAD_PROJECTION = {
    "history": False,
    "appointments": False,
    "ended_appointments": False,
    "settled_documents": False,
    "delivered_documents": False,
}


def beneficiary_document(beneficiary: Beneficiary) -> Document:
    """Map a beneficiary to its document, with the contacts array one indexed lookup uses."""
    doc = to_document(beneficiary, "beneficiary_id")
    doc["contacts"] = contacts_of(beneficiary.email, beneficiary.phone)
    return doc


def survey_document(survey: Survey) -> Document:
    """Map a survey to its document; a follow-up also carries its e-mail's state, due with it."""
    doc = to_document(survey, "survey_id")
    if survey.kind is SurveyKind.FOLLOW_UP:
        doc |= {"mail_status": MAIL_SCHEDULED, "mail_due_at": survey.due_at, "mail_attempts": 0}
    return doc


def contacts_of(email: str, phone: str | None) -> list[str]:
    """Return the contact keys of a person: their email and, if given, their phone."""
    return [email, phone] if phone else [email]


def to_document(model: BaseModel, id_field: str) -> Document:
    """Map a domain model to a document keyed by its id."""
    doc = model.model_dump()
    doc["_id"] = doc[id_field]
    return doc


#: Times a group re-runs after another replica took the slots it counted on.
CLAIM_ATTEMPTS = 3

#: Storage-only fields, not part of any domain model.
STORAGE_FIELDS = frozenset({"_id", "contacts"})


def from_document(model: type[M], doc: Document | None) -> M | None:
    """Map a document back to its domain model."""
    if doc is None:
        return None
    return model.model_validate({k: v for k, v in doc.items() if k not in STORAGE_FIELDS})


def models(model: type[M], docs: list[Document]) -> list[M]:
    """Map documents back to their domain models."""
    return [
        model.model_validate({k: v for k, v in doc.items() if k not in STORAGE_FIELDS})
        for doc in docs
    ]


class IntakeCollections:
    """Intake's collections in its own database."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.beneficiaries: Collection = database[BENEFICIARIES]
        self.requests: Collection = database[REQUESTS]
        self.cases: Collection = database[CASES]
        self.counsellors: Collection = database[COUNSELLORS]
        self.regions: Collection = database[REGIONS]
        self.surveys: Collection = database[SURVEYS]

    async def ensure_indexes(self) -> None:
        """Create the indexes the queries rely on, and the retention TTLs."""
        for collection in (self.beneficiaries, self.requests, self.cases, self.surveys):
            await collection.create_index("purge_at", expireAfterSeconds=0, name="retention")
        await self.beneficiaries.create_index("email")
        # One multikey index answers "who holds this email or this phone" in one query.
        await self.beneficiaries.create_index("contacts")
        await self._backfill_contacts()
        await self.requests.create_index("beneficiary_id")
        await self.requests.create_index("case_id")
        await self.requests.create_index("review.case_id", sparse=True)
        await self.cases.create_index([("beneficiary_id", ASCENDING), ("status", ASCENDING)])
        for sort_field in ("opened_at", "last_contact_at", "next_appointment_at"):
            await self.cases.create_index(
                [("counsellor_id", ASCENDING), ("status", ASCENDING), (sort_field, DESCENDING)]
            )
        await self.counsellors.create_index([("region", ASCENDING), ("site", ASCENDING)])
        await self.regions.create_index("sites.code")
        await self.surveys.create_index([("beneficiary_id", ASCENDING), ("status", ASCENDING)])
        # One end-of-level survey per case and level, one follow-up per case, whatever retries.
        await self.surveys.create_index(
            [("case_id", ASCENDING), ("kind", ASCENDING), ("service_level", ASCENDING)],
            unique=True,
            name="one_survey_per_case_kind_level",
        )
        await self.surveys.create_index([("mail_status", ASCENDING), ("mail_due_at", ASCENDING)])
        await self.surveys.create_index(
            [("mail_status", ASCENDING), ("mail_lease_until", ASCENDING)]
        )

    async def people_holding(
        self, contacts: Iterable[str], session: Session, limit: int | None = None
    ) -> list[Document]:
        """Return the people (never provisional records) holding any of the contacts."""
        # One indexed query on the contacts array; an $or of two fields makes the embedded
        # server scan the collection.
        return await self.beneficiaries.find(
            {"contacts": {"$in": sorted(set(contacts))}, **NOT_PROVISIONAL}, session=session
        ).to_list(limit)

    async def take_slots(self, counsellor: Counsellor, count: int) -> bool:
        """Take slots from a counsellor in one atomic conditional update, if they all fit."""
        # Outside any transaction: inside one, every request of a region would write the same
        # few documents and abort each other.
        taken = await self.counsellors.update_one(
            {
                "_id": counsellor.counsellor_id,
                "active": True,
                "capacity": counsellor.capacity,
                "open_cases": {"$lte": counsellor.capacity - count},
            },
            {"$inc": {"open_cases": count}},
        )
        return taken.modified_count == 1

    async def give_back_slots(self, counsellor_id: str, count: int) -> None:
        """Give back slots taken for work that did not commit."""
        await self.counsellors.update_one({"_id": counsellor_id}, {"$inc": {"open_cases": -count}})

    async def _backfill_contacts(self) -> None:
        """Give records written before the contacts array had one (a one-off on old data)."""
        old = await self.beneficiaries.find(
            {"contacts": {"$exists": False}}, projection={"email": True, "phone": True}
        ).to_list()
        if old:
            await self.beneficiaries.bulk_write(
                [
                    UpdateOne(
                        {"_id": doc["_id"]},
                        {"$set": {"contacts": contacts_of(doc["email"], doc.get("phone"))}},
                    )
                    for doc in old
                ]
            )


class ReferenceCache:
    """Regions and counsellor rosters kept in memory for a few seconds.

    Every request reads them; they change rarely. This process's own changes show at once;
    another replica's within the time to live. Counsellors' loads in a roster are a hint for
    ranking only: capacity is enforced by the conditional claim in the database.
    """

    def __init__(
        self,
        collections: IntakeCollections,
        *,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._c = collections
        self._ttl = ttl_seconds
        self._clock = clock
        self._regions: tuple[float, dict[str, Region]] | None = None
        self._rosters: dict[str, tuple[float, dict[str, Counsellor]]] = {}
        # Loading locks only stop a stampede of identical reads; no use case waits on them.
        self._loading: dict[str, asyncio.Lock] = {}

    def _fresh(self, loaded_at: float) -> bool:
        return self._clock() - loaded_at < self._ttl

    async def regions(self) -> dict[str, Region]:
        """Return every region of the reference data."""
        if self._regions is not None and self._fresh(self._regions[0]):
            return self._regions[1]
        async with self._loading.setdefault("regions", asyncio.Lock()):
            if self._regions is None or not self._fresh(self._regions[0]):
                docs = await self._c.regions.find({}).to_list()
                self._regions = (self._clock(), {r.code: r for r in models(Region, docs)})
            return self._regions[1]

    async def roster(self, region: str) -> list[Counsellor]:
        """Return the region's active counsellors, with loads as last seen."""
        cached = self._rosters.get(region)
        if cached is not None and self._fresh(cached[0]):
            return list(cached[1].values())
        async with self._loading.setdefault(f"roster:{region}", asyncio.Lock()):
            cached = self._rosters.get(region)
            if cached is None or not self._fresh(cached[0]):
                docs = await self._c.counsellors.find({"region": region, "active": True}).to_list()
                roster = {c.counsellor_id: c for c in models(Counsellor, docs)}
                cached = (self._clock(), roster)
                self._rosters[region] = cached
            return list(cached[1].values())

    def count(self, counsellor_id: str, delta: int) -> None:
        """Move the load this process last saw for a counsellor."""
        for _, roster in self._rosters.values():
            seen = roster.get(counsellor_id)
            if seen is not None:
                roster[counsellor_id] = seen.model_copy(
                    update={"open_cases": seen.open_cases + delta}
                )

    def forget_regions(self) -> None:
        """Drop the regions, after this process changed one."""
        self._regions = None

    def forget_roster(self, region: str) -> None:
        """Drop a region's roster, after this process changed one of its counsellors."""
        self._rosters.pop(region, None)


class ClaimLostError(Exception):
    """A group's slots could not all be taken: another replica filled a counsellor first."""


@dataclass
class ClaimLedger:
    """The slots a group's works took on paper, taken in the database once for the group."""

    taken: Counter[str] = field(default_factory=Counter)
    profiles: dict[str, Counsellor] = field(default_factory=dict)


class MongoIntakeTransaction:
    """IntakeTransaction on one MongoDB session."""

    def __init__(
        self,
        collections: IntakeCollections,
        session: Session,
        reference: ReferenceCache,
        *,
        buffered: bool = False,
    ) -> None:
        self._c = collections
        self._s = session
        self._reference = reference
        #: In a group commit, adds and saves wait here and go out with the others' in bulk.
        self.buffered = buffered
        #: The people holding any contact of the group, read once at the transaction's start.
        self.known_contacts: tuple[frozenset[str], list[Document]] | None = None
        #: In a group commit, slots are taken on paper here and in the database by the group.
        self.ledger: ClaimLedger | None = None
        self.on_paper: list[str] = []
        self.writes: dict[str, list[InsertOne[Document] | ReplaceOne[Document]]] = {}
        self.events: list[Event] = []
        #: Counsellors whose slot this attempt claimed, to give back if it does not commit.
        self.claims: list[str] = []
        #: What to refresh in the cache once the transaction committed.
        self.changed_regions: set[str] = set()
        self.changed_rosters: set[str] = set()
        self.load_changes: list[tuple[str, int]] = []

    def emit(self, event: Event) -> None:
        """Queue an event for the outbox of this transaction."""
        self.events.append(event)

    async def _add(self, collection: Collection, doc: Document) -> None:
        if self.buffered:
            self.writes.setdefault(collection.name, []).append(InsertOne(doc))
        else:
            await collection.insert_one(doc, session=self._s)

    async def _save(self, collection: Collection, doc: Document) -> None:
        if self.buffered:
            self.writes.setdefault(collection.name, []).append(
                ReplaceOne({"_id": doc["_id"]}, doc, upsert=True)
            )
        else:
            await collection.replace_one({"_id": doc["_id"]}, doc, upsert=True, session=self._s)

    def _direct(self) -> None:
        if self.buffered:
            # A write outside the buffer would stay in the group's transaction even if this
            # work failed: group-committed work only adds and saves.
            raise RuntimeError("group-committed work only adds and saves records")

    async def beneficiary(self, beneficiary_id: UUID) -> Beneficiary | None:
        """Return a beneficiary by id."""
        doc = await self._c.beneficiaries.find_one({"_id": beneficiary_id}, session=self._s)
        return from_document(Beneficiary, doc)

    async def find_beneficiaries_by_contact(
        self, email: str, phone: str | None
    ) -> list[Beneficiary]:
        """Return the people (never provisional records) holding the email or the phone."""
        wanted = set(contacts_of(email, phone))
        if self.known_contacts is not None and wanted <= self.known_contacts[0]:
            # Read in the same snapshot for the whole group: the same answer, one query fewer.
            docs = [doc for doc in self.known_contacts[1] if wanted & set(doc["contacts"])]
        else:
            docs = await self._c.people_holding(wanted, self._s, limit=40)
        return models(Beneficiary, docs)

    async def add_beneficiary(self, beneficiary: Beneficiary) -> None:
        """Insert a new beneficiary."""
        await self._add(self._c.beneficiaries, beneficiary_document(beneficiary))

    async def save_beneficiary(self, beneficiary: Beneficiary) -> None:
        """Insert or replace a beneficiary."""
        await self._save(self._c.beneficiaries, beneficiary_document(beneficiary))

    async def delete_beneficiary(self, beneficiary_id: UUID) -> None:
        """Delete the beneficiary's record."""
        self._direct()
        await self._c.beneficiaries.delete_one({"_id": beneficiary_id}, session=self._s)

    async def request(self, request_id: UUID) -> CepRequest | None:
        """Return a request by id."""
        doc = await self._c.requests.find_one({"_id": request_id}, session=self._s)
        return from_document(CepRequest, doc)

    async def delete_request(self, request_id: UUID) -> None:
        """Delete one request."""
        self._direct()
        await self._c.requests.delete_one({"_id": request_id}, session=self._s)

    async def requests_flagged_on(self, case_ids: Many[UUID]) -> list[CepRequest]:
        """Return the requests flagged as possible duplicates on any of the cases."""
        if not case_ids:
            return []
        docs = await self._c.requests.find(
            {"review.case_id": {"$in": list(case_ids)}}, session=self._s
        ).to_list()
        return models(CepRequest, docs)

    async def requests_of(self, beneficiary_id: UUID) -> list[CepRequest]:
        """Return every request of a beneficiary."""
        docs = await self._c.requests.find(
            {"beneficiary_id": beneficiary_id}, session=self._s
        ).to_list()
        return models(CepRequest, docs)

    async def schedule_request_purge(self, case_id: UUID, at: datetime) -> None:
        """Give every request of a case its purge date."""
        self._direct()
        await self._c.requests.update_many(
            {"case_id": case_id, "purge_at": None}, {"$set": {"purge_at": at}}, session=self._s
        )

    async def delete_requests_of(self, beneficiary_id: UUID) -> int:
        """Delete every request of a beneficiary."""
        self._direct()
        result = await self._c.requests.delete_many(
            {"beneficiary_id": beneficiary_id}, session=self._s
        )
        return result.deleted_count

    async def cases_of(self, beneficiary_id: UUID) -> list[Case]:
        """Return every case of a beneficiary."""
        docs = await self._c.cases.find(
            {"beneficiary_id": beneficiary_id}, session=self._s
        ).to_list()
        return models(Case, docs)

    async def had_case(self, beneficiary_id: UUID) -> bool:
        """Return whether the beneficiary has any case, open or closed."""
        doc = await self._c.cases.find_one(
            {"beneficiary_id": beneficiary_id}, projection={"_id": True}, session=self._s
        )
        return doc is not None

    async def survey(self, survey_id: UUID) -> Survey | None:
        """Return a survey by id."""
        doc = await self._c.surveys.find_one({"_id": survey_id}, session=self._s)
        return from_document(Survey, doc)

    async def add_survey(self, survey: Survey) -> None:
        """Insert a new survey."""
        await self._add(self._c.surveys, survey_document(survey))

    async def save_survey(self, survey: Survey) -> None:
        """Write a survey's fields, leaving its e-mail's state to the follow-up sender."""
        self._direct()
        fields = survey.model_dump()
        await self._c.surveys.update_one(
            {"_id": survey.survey_id}, {"$set": fields}, session=self._s
        )

    async def surveys_of(self, beneficiary_id: UUID) -> list[Survey]:
        """Return every survey of a beneficiary."""
        docs = await self._c.surveys.find(
            {"beneficiary_id": beneficiary_id}, session=self._s
        ).to_list()
        return models(Survey, docs)

    async def delete_surveys_of(self, beneficiary_id: UUID) -> int:
        """Delete every survey of a beneficiary, whatever its state."""
        self._direct()
        result = await self._c.surveys.delete_many(
            {"beneficiary_id": beneficiary_id}, session=self._s
        )
        return result.deleted_count

    async def add_request(self, request: CepRequest) -> None:
        """Insert a new request."""
        await self._add(self._c.requests, to_document(request, "request_id"))

    async def save_request(self, request: CepRequest) -> None:
        """Insert or replace a request."""
        await self._save(self._c.requests, to_document(request, "request_id"))

    async def open_case_of(self, beneficiary_id: UUID) -> Case | None:
        """Return the beneficiary's case that is not closed, if any."""
        doc = await self._c.cases.find_one(
            {"beneficiary_id": beneficiary_id, "status": {"$ne": CaseStatus.CLOSED.value}},
            session=self._s,
        )
        return from_document(Case, doc)

    async def case(self, case_id: UUID) -> Case | None:
        """Return a case by id."""
        return from_document(Case, await self._c.cases.find_one({"_id": case_id}, session=self._s))

    async def add_case(self, case: Case) -> None:
        """Insert a new case."""
        await self._add(self._c.cases, to_document(case, "case_id"))

    async def save_case(self, case: Case) -> None:
        """Insert or replace a case."""
        await self._save(self._c.cases, to_document(case, "case_id"))

    async def delete_case(self, case_id: UUID) -> None:
        """Delete a case (an erased person's is saved again as a stub under a new id)."""
        self._direct()
        await self._c.cases.delete_one({"_id": case_id}, session=self._s)

    async def region(self, code: str) -> Region | None:
        """Return a region of the reference data."""
        return (await self._reference.regions()).get(code)

    async def site_in_other_region(self, region: str, site: str) -> bool:
        """Return whether another region has a site with this code."""
        regions = await self._reference.regions()
        return any(r.site(site) is not None for c, r in regions.items() if c != region)

    async def save_region(self, region: Region) -> None:
        """Insert or replace a region."""
        self._direct()
        doc = to_document(region, "code")
        await self._c.regions.replace_one({"_id": doc["_id"]}, doc, upsert=True, session=self._s)
        self.changed_regions.add(region.code)

    async def counsellor(self, counsellor_id: str) -> Counsellor | None:
        """Return a counsellor by id."""
        doc = await self._c.counsellors.find_one({"_id": counsellor_id}, session=self._s)
        return from_document(Counsellor, doc)

    async def counsellors_in_region(self, region: str) -> list[Counsellor]:
        """Return the active counsellors of a region; their loads may lag a few seconds."""
        return await self._reference.roster(region)

    async def claim_case_slot(self, ranked: Sequence[Counsellor]) -> Counsellor | None:
        """Take a slot from the first counsellor still under capacity, outside the transaction.

        Each claim is one atomic conditional update, so any number of replicas can claim at
        once without going over capacity; inside the transaction, every request of a region
        would conflict on the same few documents and retry. The unit of work gives the slot
        back if the transaction does not commit.
        """
        if self.ledger is not None:
            return self._claim_on_paper(ranked, self.ledger)
        for candidate in ranked:
            if await self._c.take_slots(candidate, 1):
                self.claims.append(candidate.counsellor_id)
                self._reference.count(candidate.counsellor_id, +1)
                return candidate
            # Lost: full, deactivated or resized since the roster was read; try the next one.
            self._reference.forget_roster(candidate.region)
        return None

    def _claim_on_paper(
        self, ranked: Sequence[Counsellor], ledger: ClaimLedger
    ) -> Counsellor | None:
        """Take a slot in the group's ledger, from the loads last seen; the group claims them."""
        for candidate in ranked:
            taken = ledger.taken[candidate.counsellor_id]
            if candidate.open_cases + taken < candidate.capacity:
                ledger.taken[candidate.counsellor_id] += 1
                ledger.profiles[candidate.counsellor_id] = candidate
                self.on_paper.append(candidate.counsellor_id)
                return candidate
        return None

    def drop_paper_claims(self) -> None:
        """Take this work's slots out of the group's ledger: the work failed."""
        if self.ledger is not None:
            self.ledger.taken.subtract(self.on_paper)
        self.on_paper.clear()

    async def release_claims(self) -> None:
        """Give back the slots this attempt claimed: its transaction did not commit."""
        for counsellor_id in self.claims:
            await self._c.give_back_slots(counsellor_id, 1)
            self._reference.count(counsellor_id, -1)
        self.claims.clear()

    async def save_counsellor(self, counsellor: Counsellor) -> None:
        """Insert or replace a counsellor."""
        self._direct()
        doc = to_document(counsellor, "counsellor_id")
        await self._c.counsellors.replace_one(
            {"_id": doc["_id"]}, doc, upsert=True, session=self._s
        )
        self.changed_rosters.add(counsellor.region)

    async def adjust_open_cases(self, counsellor_id: str, delta: int) -> None:
        """Move a counsellor's open-case count within the transaction (closing, reassigning)."""
        self._direct()
        await self._c.counsellors.update_one(
            {"_id": counsellor_id}, {"$inc": {"open_cases": delta}}, session=self._s
        )
        self.load_changes.append((counsellor_id, delta))

    def committed(self) -> None:
        """Show this transaction's changes in the cache, now that they are durable."""
        if self.changed_regions:
            self._reference.forget_regions()
        for region in self.changed_rosters:
            self._reference.forget_roster(region)
        for counsellor_id, delta in self.load_changes:
            self._reference.count(counsellor_id, delta)


async def release_quietly(attempts: Sequence[MongoIntakeTransaction]) -> None:
    """Give back the slots of attempts that never committed, after the one that did."""
    for tx in attempts:
        try:
            await tx.release_claims()
        except PyMongoError:
            # The work is committed; a slot not given back only holds a case back.
            log.warning("slot release failed after commit", claims=len(tx.claims))


def settle(
    future: asyncio.Future[Any], *, result: Any = None, error: Exception | None = None
) -> None:
    """Answer a waiting caller, unless it stopped waiting (a closed connection)."""
    # Raising here, after the commit, would make the group look failed and run it again.
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


@dataclass
class _Queued:
    """One group-committable work waiting for its batch, and where its caller waits."""

    work: Callable[[MongoIntakeTransaction], Awaitable[Any]]
    keys: frozenset[str]
    contacts: frozenset[str]
    done: asyncio.Future[Any]


class MongoUnitOfWork:
    """Runs intake work in MongoDB transactions and stages its events in the outbox.

    Work with conflict keys is group-committed: a few such works run one after the other in
    one transaction, their records written with one bulk write per collection and one commit.
    The embedded server pays about a millisecond per command, so this is what lets requests
    of many people go through at once. Works sharing a key never share a batch.
    """

    def __init__(
        self,
        client: Client,
        collections: IntakeCollections,
        outbox: Outbox,
        relay: OutboxRelay,
        reference: ReferenceCache,
        *,
        max_batch: int = 32,
        committers: int = 1,
    ) -> None:
        self._client = client
        self._collections = collections
        self._outbox = outbox
        self._relay = relay
        self._reference = reference
        self._max_batch = max_batch
        self._committers = committers
        self._queue: list[_Queued] = []
        self._queued = asyncio.Event()
        #: Keys of the batches being committed: a work sharing one waits for the next batch.
        self._in_flight: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []

    def transaction(self, session: Session) -> MongoIntakeTransaction:
        """Return the repositories on a session another component opened (a consumer's)."""
        return MongoIntakeTransaction(self._collections, session, self._reference)

    async def run(
        self,
        work: Callable[[MongoIntakeTransaction], Awaitable[T]],
        *,
        conflict_keys: Many[str] = (),
        contacts: Many[str] = (),
    ) -> T:
        """Run work atomically with its outbox records, then wake the relay."""
        if not conflict_keys:
            return await self._run_alone(work)
        if not self._tasks:
            # Started on first use, inside the running loop, by the app that owns this object.
            self._tasks = [
                asyncio.create_task(self._commit_batches(), name=f"intake-group-commit-{i}")
                for i in range(self._committers)
            ]
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append(_Queued(work, frozenset(conflict_keys), frozenset(contacts), done))
        self._queued.set()
        return await done

    async def close(self) -> None:
        """Stop the group committers; work still queued is refused, never left waiting."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for queued in self._queue:
            if not queued.done.done():
                queued.done.set_exception(RuntimeError("intake is stopping"))
        self._queue = []

    async def _run_alone(self, work: Callable[[MongoIntakeTransaction], Awaitable[T]]) -> T:
        attempts: list[MongoIntakeTransaction] = []

        async def transaction(session: Session) -> T:
            tx = self.transaction(session)
            attempts.append(tx)
            result = await work(tx)
            await self._outbox.stage(tx.events, session)
            return result

        try:
            result = await in_transaction(self._client, transaction)
        except BaseException:
            for tx in attempts:
                await tx.release_claims()
            raise
        # Attempts retried after a write conflict never committed: their slots go back.
        await release_quietly(attempts[:-1])
        attempts[-1].committed()
        self._relay.notify()
        return result

    def _take_batch(self) -> list[_Queued]:
        """Take queued works in order, skipping any that shares a key with one already taken."""
        batch: list[_Queued] = []
        taken = set(self._in_flight)
        rest: list[_Queued] = []
        for queued in self._queue:
            if len(batch) < self._max_batch and not (queued.keys & taken):
                batch.append(queued)
                taken |= queued.keys
            else:
                rest.append(queued)
        self._queue = rest
        return batch

    async def _commit_batches(self) -> None:
        while True:
            batch = self._take_batch()
            if not batch:
                # Nothing queued, or everything queued waits on a key another batch holds.
                self._queued.clear()
                await self._queued.wait()
                continue
            keys = frozenset().union(*(queued.keys for queued in batch))
            self._in_flight |= keys
            try:
                await self._commit(batch)
            except Exception:
                # The batch as a whole failed (not one work's own error): each work goes again
                # alone, so one bad record costs only its own request.
                log.warning("group commit failed, running its works alone", size=len(batch))
                await asyncio.gather(*(self._answer_alone(queued) for queued in batch))
            finally:
                self._in_flight -= keys
                # Work held back for these keys can go now.
                self._queued.set()

    async def _answer_alone(self, queued: _Queued) -> None:
        try:
            result = await self._run_alone(queued.work)
        except Exception as exc:
            settle(queued.done, error=exc)
        else:
            settle(queued.done, result=result)

    async def _commit(self, batch: list[_Queued]) -> None:
        for attempt in range(1, CLAIM_ATTEMPTS + 1):
            try:
                await self._commit_once(batch)
                return
            except ClaimLostError:
                # Another replica filled a counsellor: the roster is read again and the group
                # re-runs; after a few losses its works run alone, claiming one by one.
                log.info("group claim lost, retrying", attempt=attempt)
        raise ClaimLostError("the group's slots kept being taken by others")

    async def _commit_once(self, batch: list[_Queued]) -> None:
        attempts: list[list[tuple[_Queued, MongoIntakeTransaction, Any, Exception | None]]] = []

        async def transaction(session: Session) -> None:
            outcomes: list[tuple[_Queued, MongoIntakeTransaction, Any, Exception | None]] = []
            attempts.append(outcomes)
            known = await self._known_contacts(batch, session)
            ledger = ClaimLedger()
            for queued in batch:
                tx = MongoIntakeTransaction(
                    self._collections, session, self._reference, buffered=True
                )
                tx.known_contacts = known
                tx.ledger = ledger
                try:
                    outcomes.append((queued, tx, await queued.work(tx), None))
                except PyMongoError:
                    # The transaction itself failed: the whole batch is retried or run alone.
                    raise
                except Exception as exc:
                    # This work's records were only buffered: dropping them undoes it alone.
                    tx.drop_paper_claims()
                    outcomes.append((queued, tx, None, exc))
            done = [tx for _, tx, _, error in outcomes if error is None]
            await self._claim(ledger, done)
            await self._flush(done, session)

        try:
            await in_transaction(self._client, transaction)
        except BaseException:
            for outcomes in attempts:
                for _, tx, _, _ in outcomes:
                    await tx.release_claims()
            raise
        # Committed: nothing below may raise, or the group would look failed and run again.
        await release_quietly([tx for outcomes in attempts[:-1] for _, tx, _, _ in outcomes])
        for queued, tx, result, error in attempts[-1]:
            if error is None:
                tx.committed()
            settle(queued.done, result=result, error=error)
        self._relay.notify()

    async def _claim(self, ledger: ClaimLedger, done: list[MongoIntakeTransaction]) -> None:
        """Take the group's slots: one atomic conditional update per counsellor, all or none."""
        claimed: list[tuple[str, int]] = []
        for counsellor_id, count in ledger.taken.items():
            if count <= 0:
                continue
            profile = ledger.profiles[counsellor_id]
            if not await self._collections.take_slots(profile, count):
                for taken_id, taken_count in claimed:
                    await self._collections.give_back_slots(taken_id, taken_count)
                    self._reference.count(taken_id, -taken_count)
                self._reference.forget_roster(profile.region)
                raise ClaimLostError(counsellor_id)
            claimed.append((counsellor_id, count))
            self._reference.count(counsellor_id, +count)
        # Each work now holds its slots as if it had claimed them alone, for the release logic.
        for tx in done:
            tx.claims.extend(tx.on_paper)
            tx.on_paper.clear()

    async def _known_contacts(
        self, batch: list[_Queued], session: Session
    ) -> tuple[frozenset[str], list[Document]] | None:
        """Read the people holding any contact the batch's works will look up, in one query."""
        wanted = frozenset().union(*(queued.contacts for queued in batch))
        if not wanted:
            return None
        return wanted, await self._collections.people_holding(wanted, session)

    async def _flush(self, done: list[MongoIntakeTransaction], session: Session) -> None:
        """Write the batch's records: one bulk write per collection, one outbox insert."""
        writes: dict[str, list[InsertOne[Document] | ReplaceOne[Document]]] = {}
        records: list[Document] = []
        for tx in done:
            for name, ops in tx.writes.items():
                writes.setdefault(name, []).extend(ops)
            records.extend(self._outbox.records(tx.events))
        for name, ops in writes.items():
            await self._collections.database[name].bulk_write(ops, ordered=True, session=session)
        if records:
            await self._outbox.collection.insert_many(records, ordered=True, session=session)


class MongoIntakeQueries:
    """IntakeQueries on intake's collections, outside transactions."""

    def __init__(self, collections: IntakeCollections, reference: ReferenceCache) -> None:
        self._c = collections
        self._reference = reference

    async def caseload(self, counsellor_id: str, query: CaseloadQuery, now: datetime) -> list[Case]:
        """Return one page of a counsellor's cases matching the filters."""
        match: dict[str, Any] = {"counsellor_id": counsellor_id}
        if query.status is not None:
            match["status"] = query.status.value
        if query.service_level is not None:
            match["service_level"] = query.service_level.value
        if query.site is not None:
            match["site"] = query.site
        if query.alert is not None:
            match.update(alert_filter(query, now))
        direction = DESCENDING if query.descending else ASCENDING
        docs = await self._c.cases.find(
            match,
            projection=CASELOAD_PROJECTION,
            sort=caseload_sort(query.sort, direction),
            skip=query.offset,
            limit=query.limit,
        ).to_list()
        return models(Case, docs)

    async def case(self, case_id: UUID) -> Case | None:
        """Return a case with its history."""
        return from_document(Case, await self._c.cases.find_one({"_id": case_id}))

    async def beneficiary(self, beneficiary_id: UUID) -> Beneficiary | None:
        """Return a beneficiary by id."""
        return from_document(
            Beneficiary, await self._c.beneficiaries.find_one({"_id": beneficiary_id})
        )

    async def beneficiaries(self, ids: Many[UUID]) -> dict[UUID, Beneficiary]:
        """Return beneficiaries by id, in one query."""
        if not ids:
            return {}
        docs = await self._c.beneficiaries.find({"_id": {"$in": list(ids)}}).to_list()
        return {b.beneficiary_id: b for b in models(Beneficiary, docs)}

    async def beneficiary_names(self, ids: Many[UUID]) -> dict[UUID, str]:
        """Return display names of beneficiaries, in one query."""
        if not ids:
            return {}
        docs = await self._c.beneficiaries.find(
            {"_id": {"$in": list(set(ids))}}, projection={"first_name": True, "last_name": True}
        ).to_list()
        return {doc["_id"]: f"{doc['first_name']} {doc['last_name']}" for doc in docs}

    async def latest_request_of_case(self, case_id: UUID) -> CepRequest | None:
        """Return the case's most recent request: its current need."""
        docs = await self._c.requests.find(
            {"case_id": case_id}, sort=[("submitted_at", DESCENDING), ("_id", DESCENDING)], limit=1
        ).to_list()
        return from_document(CepRequest, docs[0]) if docs else None

    async def requests_flagged_on(self, case_id: UUID) -> list[CepRequest]:
        """Return the requests flagged as possible duplicates on the case, oldest first."""
        docs = await self._c.requests.find(
            {"review.case_id": case_id}, sort=[("submitted_at", ASCENDING), ("_id", ASCENDING)]
        ).to_list()
        return models(CepRequest, docs)

    async def pending_duplicate_counts(self, case_ids: Many[UUID]) -> dict[UUID, int]:
        """Return how many possible duplicates wait for review on each case, in one query."""
        if not case_ids:
            return {}
        docs = await self._c.requests.find(
            {"review.case_id": {"$in": list(case_ids)}, "review.status": PENDING_REVIEW},
            projection={"review.case_id": True},
        ).to_list()
        return dict(Counter(doc["review"]["case_id"] for doc in docs))

    async def counsellors(self, region: str) -> list[Counsellor]:
        """Return the counsellors of a region."""
        docs = await self._c.counsellors.find({"region": region}, sort=[("_id", 1)]).to_list()
        return models(Counsellor, docs)

    async def counsellor_names(self, ids: Many[str]) -> dict[str, str]:
        """Return the display names of counsellors that have one, in one query."""
        if not ids:
            return {}
        docs = await self._c.counsellors.find(
            {"_id": {"$in": list(ids)}}, projection={"display_name": True}
        ).to_list()
        return {doc["_id"]: doc["display_name"] for doc in docs if doc.get("display_name")}

    async def regions(self, codes: Many[str] | None = None) -> dict[str, Region]:
        """Return the regions with the codes, or every region when codes is None."""
        # Reference data from the cache: every caseload page and case view names its sites.
        regions = await self._reference.regions()
        if codes is None:
            return dict(regions)
        return {code: regions[code] for code in codes if code in regions}

    async def open_surveys_of(self, beneficiary_id: UUID, now: datetime) -> list[Survey]:
        """Return the beneficiary's surveys offered and still answerable, newest first."""
        docs = await self._c.surveys.find(
            {
                "beneficiary_id": beneficiary_id,
                "status": SurveyStatus.PENDING.value,
                "expires_at": {"$gt": now},
            },
            sort=[("offered_at", DESCENDING), ("_id", ASCENDING)],
            limit=20,
        ).to_list()
        return models(Survey, docs)

    async def survey(self, survey_id: UUID) -> Survey | None:
        """Return a survey by id."""
        return from_document(Survey, await self._c.surveys.find_one({"_id": survey_id}))

    async def unassigned_cases(self, region: str, limit: int) -> list[Case]:
        """Return a region's open cases with no counsellor, oldest first."""
        docs = await self._c.cases.find(
            {"counsellor_id": None, "region": region, "status": {"$ne": CaseStatus.CLOSED.value}},
            projection=CASELOAD_PROJECTION,
            sort=[("opened_at", ASCENDING), ("_id", ASCENDING)],
            limit=limit,
        ).to_list()
        return models(Case, docs)


def caseload_sort(field: str, direction: int) -> list[tuple[str, int]]:
    """Return a total order for paging: the field, then the opening date, then the id."""
    # Ties on a sparse field (no contact yet) would fall to UUID comparisons, which the
    # embedded server makes slowly; the opening date breaks nearly all of them first.
    keys = [(field, direction)]
    if field != "opened_at":
        keys.append(("opened_at", direction))
    return [*keys, ("_id", direction)]


def alert_filter(query: CaseloadQuery, now: datetime) -> dict[str, Any]:
    """Return the query clauses selecting open cases that raise the requested alert."""
    open_statuses = {"$in": [CaseStatus.OPENED.value, CaseStatus.IN_PROGRESS.value]}
    if query.alert is CaseAlert.NOT_CONTACTED:
        cutoff = subtract_working_days(now, query.first_contact_days)
        return {"status": open_statuses, "last_contact_at": None, "opened_at": {"$lt": cutoff}}
    if query.alert is CaseAlert.AWAITING_FIRST_CONTACT:
        cutoff = subtract_working_days(now, query.first_contact_days)
        return {"status": open_statuses, "last_contact_at": None, "opened_at": {"$gte": cutoff}}
    cutoff = no_contact_cutoff(now, query.no_contact_days)
    return {"status": open_statuses, "last_activity_at": {"$lt": cutoff}}


class MongoPurger:
    """Deletes records past their purge date; backs up the TTL indexes, which a server may lag."""

    def __init__(self, collections: IntakeCollections) -> None:
        self._c = collections

    async def purge(self, now: datetime) -> dict[str, int]:
        """Delete expired records and return the counts."""
        counts: dict[str, int] = {}
        for name, collection in (
            ("cases", self._c.cases),
            ("requests", self._c.requests),
            ("beneficiaries", self._c.beneficiaries),
            ("surveys", self._c.surveys),
        ):
            result = await collection.delete_many({"purge_at": {"$lte": now}})
            counts[name] = result.deleted_count
        return counts

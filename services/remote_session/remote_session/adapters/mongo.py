"""Remote session's MongoDB storage: threads, messages, tasks, rooms, calls, and their erasure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from pymongo import ASCENDING, DESCENDING

from jalon_shared.directory.model import erasure_digest
from jalon_shared.directory.store import CASES, ERASURES
from jalon_shared.events.vocabulary import CallOutcome, Modality, ParticipantRole, RoomKind
from jalon_shared.messaging.outbox import Outbox, OutboxRelay
from jalon_shared.messaging.unit_of_work import EventStaging, OutboxUnitOfWork
from jalon_shared.mongo import Client, Collection, Database, Session
from remote_session.application.ports import SessionTransaction
from remote_session.application.room_ports import RoomTransaction
from remote_session.domain.attachments import Attachment
from remote_session.domain.calls import Call
from remote_session.domain.rooms import Presence, Registration, Room, RoomStatus
from remote_session.domain.tasks import Task, TaskKind, TaskStatus
from remote_session.domain.threads import AuthorRole, Message, Thread

T = TypeVar("T")

THREADS = "threads"
MESSAGES = "messages"
TASKS = "tasks"
ROOMS = "rooms"
CALLS = "calls"
#: The GridFS bucket holding the attachments' bytes (attachments.files and .chunks).
FILES_BUCKET = "attachments"
#: How many threads the unanswered list shows at most.
UNANSWERED_LIMIT = 500
#: How many calls a case's log shows at most, and how many rooms one sweep ends at most.
CALLS_LIMIT = 500
SWEEP_LIMIT = 200


class SessionCollections:
    """The service's own collections, the GridFS bucket's two, and the directory copy's."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.threads: Collection = database[THREADS]
        self.messages: Collection = database[MESSAGES]
        self.tasks: Collection = database[TASKS]
        self.files: Collection = database[f"{FILES_BUCKET}.files"]
        self.chunks: Collection = database[f"{FILES_BUCKET}.chunks"]
        self.rooms: Collection = database[ROOMS]
        self.calls: Collection = database[CALLS]
        self.cases: Collection = database[CASES]
        self.erasures: Collection = database[ERASURES]

    async def ensure_indexes(self) -> None:
        """Create the lookups' indexes."""
        await self.threads.create_index("beneficiary_id")
        await self.threads.create_index(
            [("last_author_role", ASCENDING), ("waiting_since", ASCENDING)]
        )
        await self.messages.create_index([("case_id", ASCENDING), ("posted_at", ASCENDING)])
        await self.messages.create_index("beneficiary_id")
        await self.tasks.create_index([("case_id", ASCENDING), ("due_on", ASCENDING)])
        await self.tasks.create_index("beneficiary_id")
        await self.files.create_index("metadata.beneficiary_id")
        await self.files.create_index("metadata.case_id")
        # GridFS makes this one on its first write; made here too, so erasure never scans.
        await self.chunks.create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)
        await self.rooms.create_index("beneficiary_id", sparse=True)
        await self.rooms.create_index("case_id", sparse=True)
        await self.rooms.create_index("registrations.beneficiary_id", sparse=True)
        # The sweep's lookup: live rooms whose last participant left.
        await self.rooms.create_index([("status", ASCENDING), ("last_left_at", ASCENDING)])
        await self.calls.create_index([("case_id", ASCENDING), ("started_at", DESCENDING)])
        await self.calls.create_index("beneficiary_id")


def attachments_to_doc(attachments: Sequence[Attachment]) -> list[dict[str, Any]]:
    """Return the stored form of attachments' descriptions."""
    return [
        {
            "attachment_id": a.attachment_id,
            "filename": a.filename,
            "media_type": a.media_type,
            "size": a.size,
        }
        for a in attachments
    ]


def attachments_from_doc(docs: Sequence[dict[str, Any]]) -> tuple[Attachment, ...]:
    """Return attachments' descriptions from their stored form."""
    return tuple(
        Attachment(d["attachment_id"], d["filename"], d["media_type"], d["size"]) for d in docs
    )


def thread_to_doc(thread: Thread) -> dict[str, Any]:
    """Return the stored form of a thread."""
    return {
        "_id": thread.case_id,
        "beneficiary_id": thread.beneficiary_id,
        "counsellor_id": thread.counsellor_id,
        "region": thread.region,
        "created_at": thread.created_at,
        "last_message_at": thread.last_message_at,
        "last_author_role": thread.last_author_role.value if thread.last_author_role else None,
        "waiting_since": thread.waiting_since,
    }


def thread_from_doc(doc: dict[str, Any]) -> Thread:
    """Return a thread from its stored form."""
    last = doc.get("last_author_role")
    return Thread(
        case_id=doc["_id"],
        beneficiary_id=doc["beneficiary_id"],
        counsellor_id=doc.get("counsellor_id"),
        region=doc["region"],
        created_at=doc["created_at"],
        last_message_at=doc.get("last_message_at"),
        last_author_role=AuthorRole(last) if last else None,
        waiting_since=doc.get("waiting_since"),
    )


def message_to_doc(message: Message) -> dict[str, Any]:
    """Return the stored form of a message."""
    return {
        "_id": message.message_id,
        "case_id": message.case_id,
        "beneficiary_id": message.beneficiary_id,
        "author_role": message.author_role.value,
        "author_id": message.author_id,
        "text": message.text,
        "posted_at": message.posted_at,
        "attachments": attachments_to_doc(message.attachments),
        "read_at": message.read_at,
    }


def message_from_doc(doc: dict[str, Any]) -> Message:
    """Return a message from its stored form."""
    return Message(
        message_id=doc["_id"],
        case_id=doc["case_id"],
        beneficiary_id=doc["beneficiary_id"],
        author_role=AuthorRole(doc["author_role"]),
        author_id=doc["author_id"],
        text=doc["text"],
        posted_at=doc["posted_at"],
        attachments=attachments_from_doc(doc.get("attachments", [])),
        read_at=doc.get("read_at"),
    )


def task_to_doc(task: Task) -> dict[str, Any]:
    """Return the stored form of a task (a date as ISO text: BSON has no date-only type)."""
    return {
        "_id": task.task_id,
        "case_id": task.case_id,
        "beneficiary_id": task.beneficiary_id,
        "assigned_by": task.assigned_by,
        "title": task.title,
        "instructions": task.instructions,
        "kind": task.kind.value,
        "due_on": task.due_on.isoformat(),
        "assigned_at": task.assigned_at,
        "status": task.status.value,
        "completed_at": task.completed_at,
        "note": task.note,
        "attachments": attachments_to_doc(task.attachments),
    }


def task_from_doc(doc: dict[str, Any]) -> Task:
    """Return a task from its stored form."""
    return Task(
        task_id=doc["_id"],
        case_id=doc["case_id"],
        beneficiary_id=doc["beneficiary_id"],
        assigned_by=doc["assigned_by"],
        title=doc["title"],
        instructions=doc["instructions"],
        kind=TaskKind(doc["kind"]),
        due_on=date.fromisoformat(doc["due_on"]),
        assigned_at=doc["assigned_at"],
        status=TaskStatus(doc["status"]),
        completed_at=doc.get("completed_at"),
        note=doc.get("note"),
        attachments=attachments_from_doc(doc.get("attachments", [])),
    )


def room_to_doc(room: Room) -> dict[str, Any]:
    """Return the stored form of a room."""
    return {
        "_id": room.room_id,
        "kind": room.kind.value,
        "modality": room.modality.value,
        "starts_at": room.starts_at,
        "ends_at": room.ends_at,
        "opens_at": room.opens_at,
        "closes_at": room.closes_at,
        "status": room.status.value,
        "appointment_id": room.appointment_id,
        "collective_session_id": room.collective_session_id,
        "case_id": room.case_id,
        "beneficiary_id": room.beneficiary_id,
        "counsellor_id": room.counsellor_id,
        "region": room.region,
        "registrations": [
            {"beneficiary_id": r.beneficiary_id, "status": r.status, "at": r.at}
            for r in room.registrations
        ],
        "admitted": sorted(room.admitted),
        "connected": [
            {"participant_id": p.participant_id, "role": p.role.value, "since": p.since}
            for p in room.connected
        ],
        "attended": sorted(room.attended),
        "started_at": room.started_at,
        "ended_at": room.ended_at,
        "last_left_at": room.last_left_at,
        "audio_only": room.audio_only,
        "video_flowed": room.video_flowed,
        "cancelled": room.cancelled,
        "revised_at": room.revised_at,
    }


def room_from_doc(doc: dict[str, Any]) -> Room:
    """Return a room from its stored form."""
    return Room(
        room_id=doc["_id"],
        kind=RoomKind(doc["kind"]),
        modality=Modality(doc["modality"]),
        starts_at=doc["starts_at"],
        ends_at=doc["ends_at"],
        opens_at=doc["opens_at"],
        closes_at=doc["closes_at"],
        status=RoomStatus(doc["status"]),
        appointment_id=doc.get("appointment_id"),
        collective_session_id=doc.get("collective_session_id"),
        case_id=doc.get("case_id"),
        beneficiary_id=doc.get("beneficiary_id"),
        counsellor_id=doc.get("counsellor_id"),
        region=doc.get("region"),
        registrations=tuple(
            Registration(r["beneficiary_id"], r["status"], r["at"])
            for r in doc.get("registrations", [])
        ),
        admitted=frozenset(doc.get("admitted", [])),
        connected=tuple(
            Presence(p["participant_id"], ParticipantRole(p["role"]), p["since"])
            for p in doc.get("connected", [])
        ),
        attended=frozenset(doc.get("attended", [])),
        started_at=doc.get("started_at"),
        ended_at=doc.get("ended_at"),
        last_left_at=doc.get("last_left_at"),
        audio_only=bool(doc.get("audio_only", False)),
        video_flowed=bool(doc.get("video_flowed", False)),
        cancelled=bool(doc.get("cancelled", False)),
        revised_at=doc.get("revised_at"),
    )


def call_to_doc(call: Call) -> dict[str, Any]:
    """Return the stored form of a logged call."""
    return {
        "_id": call.call_id,
        "case_id": call.case_id,
        "beneficiary_id": call.beneficiary_id,
        "counsellor_id": call.counsellor_id,
        "started_at": call.started_at,
        "ended_at": call.ended_at,
        "outcome": call.outcome.value,
        "logged_at": call.logged_at,
        "appointment_id": call.appointment_id,
    }


def call_from_doc(doc: dict[str, Any]) -> Call:
    """Return a logged call from its stored form."""
    return Call(
        call_id=doc["_id"],
        case_id=doc["case_id"],
        beneficiary_id=doc["beneficiary_id"],
        counsellor_id=doc["counsellor_id"],
        started_at=doc["started_at"],
        ended_at=doc["ended_at"],
        outcome=CallOutcome(doc["outcome"]),
        logged_at=doc["logged_at"],
        appointment_id=doc.get("appointment_id"),
    )


class MongoSessionTransaction(EventStaging, SessionTransaction, RoomTransaction):
    """The transaction's reads and writes; its events are staged in the outbox at its end."""

    def __init__(self, collections: SessionCollections, session: Session) -> None:
        super().__init__()
        self._c = collections
        self._session = session

    async def thread(self, case_id: UUID) -> Thread | None:
        """Return a case's thread read in the transaction's snapshot."""
        doc = await self._c.threads.find_one({"_id": case_id}, session=self._session)
        return None if doc is None else thread_from_doc(doc)

    async def save_thread(self, thread: Thread) -> None:
        """Insert or replace a thread."""
        await self._c.threads.replace_one(
            {"_id": thread.case_id}, thread_to_doc(thread), upsert=True, session=self._session
        )

    async def add_message(self, message: Message) -> None:
        """Insert a message."""
        await self._c.messages.insert_one(message_to_doc(message), session=self._session)

    async def mark_read(self, case_id: UUID, reader: AuthorRole, now: datetime) -> int:
        """Mark the other side's unread messages read now; return how many."""
        result = await self._c.messages.update_many(
            {"case_id": case_id, "author_role": reader.other.value, "read_at": None},
            {"$set": {"read_at": now}},
            session=self._session,
        )
        return int(result.modified_count)

    async def task(self, task_id: UUID) -> Task | None:
        """Return a task read in the transaction's snapshot."""
        doc = await self._c.tasks.find_one({"_id": task_id}, session=self._session)
        return None if doc is None else task_from_doc(doc)

    async def save_task(self, task: Task) -> None:
        """Insert or replace a task."""
        await self._c.tasks.replace_one(
            {"_id": task.task_id}, task_to_doc(task), upsert=True, session=self._session
        )

    async def room(self, room_id: UUID) -> Room | None:
        """Return a room read in the transaction's snapshot."""
        doc = await self._c.rooms.find_one({"_id": room_id}, session=self._session)
        return None if doc is None else room_from_doc(doc)

    async def save_room(self, room: Room) -> None:
        """Insert or replace a room."""
        await self._c.rooms.replace_one(
            {"_id": room.room_id}, room_to_doc(room), upsert=True, session=self._session
        )

    async def add_call(self, call: Call) -> None:
        """Insert a logged call."""
        await self._c.calls.insert_one(call_to_doc(call), session=self._session)

    async def beneficiary_erased(self, beneficiary_id: UUID) -> bool:
        """Return whether the directory copy holds the person's erasure marker."""
        marker = await self._c.erasures.find_one(
            {"_id": erasure_digest(beneficiary_id)}, {"_id": 1}, session=self._session
        )
        return marker is not None


class MongoUnitOfWork(OutboxUnitOfWork[MongoSessionTransaction]):
    """Runs work in a transaction and stages its events in the outbox, then wakes the relay."""

    def __init__(
        self,
        client: Client,
        collections: SessionCollections,
        outbox: Outbox,
        relay: OutboxRelay,
    ) -> None:
        super().__init__(
            client, lambda session: MongoSessionTransaction(collections, session), outbox, relay
        )
        self._collections = collections

    def joining(self, session: Session) -> JoinedUnitOfWork:
        """Return a unit of work that runs inside a transaction someone else commits."""
        return JoinedUnitOfWork(self._collections, self._outbox, self._relay, session)


class JoinedUnitOfWork:
    """Runs work in a consumer's open transaction: it commits with the consumer's marker."""

    def __init__(
        self, collections: SessionCollections, outbox: Outbox, relay: OutboxRelay, session: Session
    ) -> None:
        self._c = collections
        self._outbox = outbox
        self._relay = relay
        self._session = session

    async def run(self, work: Callable[[MongoSessionTransaction], Awaitable[T]]) -> T:
        """Run work and stage its events; the relay, woken, publishes them once committed."""
        tx = MongoSessionTransaction(self._c, self._session)
        result = await work(tx)
        await self._outbox.stage(tx.events, self._session)
        if tx.events:
            # Woken before the commit, the relay may find nothing yet; its next poll will.
            self._relay.notify()
        return result


class MongoSessionQueries:
    """Reads for pages."""

    def __init__(self, collections: SessionCollections) -> None:
        self._c = collections

    async def thread(self, case_id: UUID) -> Thread | None:
        """Return a case's thread."""
        doc = await self._c.threads.find_one({"_id": case_id})
        return None if doc is None else thread_from_doc(doc)

    async def messages(self, case_id: UUID) -> list[Message]:
        """Return a thread's messages, oldest first."""
        cursor = self._c.messages.find({"case_id": case_id}).sort("posted_at", ASCENDING)
        return [message_from_doc(d) async for d in cursor]

    async def unanswered(self, counsellor_id: str) -> list[Thread]:
        """Return the caseload's waiting threads, longest waiting first."""
        # The caseload is the directory copy's: a case reassigned moves its thread with it.
        case_ids = [
            d["_id"] async for d in self._c.cases.find({"counsellor_id": counsellor_id}, {"_id": 1})
        ]
        if not case_ids:
            return []
        cursor = (
            self._c.threads.find(
                {"_id": {"$in": case_ids}, "last_author_role": AuthorRole.BENEFICIARY.value}
            )
            .sort("waiting_since", ASCENDING)
            .limit(UNANSWERED_LIMIT)
        )
        return [thread_from_doc(d) async for d in cursor]

    async def task(self, task_id: UUID) -> Task | None:
        """Return one task."""
        doc = await self._c.tasks.find_one({"_id": task_id})
        return None if doc is None else task_from_doc(doc)

    async def tasks_of(self, case_id: UUID) -> list[Task]:
        """Return a case's tasks, soonest due first."""
        cursor = self._c.tasks.find({"case_id": case_id}).sort(
            [("due_on", ASCENDING), ("assigned_at", ASCENDING)]
        )
        return [task_from_doc(d) async for d in cursor]


class MongoRoomQueries:
    """Reads of rooms and calls outside a transaction."""

    def __init__(self, collections: SessionCollections) -> None:
        self._c = collections

    async def room(self, room_id: UUID) -> Room | None:
        """Return one room."""
        doc = await self._c.rooms.find_one({"_id": room_id})
        return None if doc is None else room_from_doc(doc)

    async def empty_rooms(self, left_before: datetime) -> list[Room]:
        """Return live rooms nobody has been connected to since before a time, oldest first."""
        cursor = (
            self._c.rooms.find(
                {
                    "status": RoomStatus.LIVE.value,
                    "connected": [],
                    "last_left_at": {"$lte": left_before},
                }
            )
            .sort("last_left_at", ASCENDING)
            .limit(SWEEP_LIMIT)
        )
        return [room_from_doc(d) async for d in cursor]

    async def calls_of(self, case_id: UUID) -> list[Call]:
        """Return a case's logged calls, newest first."""
        cursor = (
            self._c.calls.find({"case_id": case_id})
            .sort([("started_at", DESCENDING), ("logged_at", DESCENDING)])
            .limit(CALLS_LIMIT)
        )
        return [call_from_doc(d) async for d in cursor]


class MongoEraser:
    """Deletes everything held about a beneficiary, GridFS bytes included, and unlinks rooms."""

    def __init__(self, collections: SessionCollections) -> None:
        self._c = collections

    async def erase(self, beneficiary_id: UUID, case_ids: Sequence[UUID], session: object) -> int:
        """Delete the person's records in the caller's transaction; return how many went."""
        tx: Session = session  # type: ignore[assignment]
        owned: dict[str, Any] = {"beneficiary_id": beneficiary_id}
        by_case: dict[str, Any] = owned
        if case_ids:
            by_case = {"$or": [owned, {"case_id": {"$in": list(case_ids)}}]}
        threads: dict[str, Any] = owned
        if case_ids:
            threads = {"$or": [owned, {"_id": {"$in": list(case_ids)}}]}
        removed = 0
        removed += (await self._c.threads.delete_many(threads, session=tx)).deleted_count
        removed += (await self._c.messages.delete_many(by_case, session=tx)).deleted_count
        removed += (await self._c.tasks.delete_many(by_case, session=tx)).deleted_count
        removed += (await self._c.calls.delete_many(by_case, session=tx)).deleted_count
        removed += await self._unlink_rooms(beneficiary_id, case_ids, tx)
        # Every attachment carries its case and its beneficiary in metadata.
        files: dict[str, Any] = {"metadata.beneficiary_id": beneficiary_id}
        if case_ids:
            files = {"$or": [files, {"metadata.case_id": {"$in": list(case_ids)}}]}
        file_ids = [d["_id"] async for d in self._c.files.find(files, {"_id": 1}, session=tx)]
        if file_ids:
            # GridFS's API refuses transactions, but its two collections are plain ones.
            await self._c.chunks.delete_many({"files_id": {"$in": file_ids}}, session=tx)
            removed += (
                await self._c.files.delete_many({"_id": {"$in": file_ids}}, session=tx)
            ).deleted_count
        return removed

    async def _unlink_rooms(
        self, beneficiary_id: UUID, case_ids: Sequence[UUID], tx: Session
    ) -> int:
        """Strip the person from their rooms; a room's times and measures are not theirs."""
        person = str(beneficiary_id)
        linked: list[dict[str, Any]] = [
            {"beneficiary_id": beneficiary_id},
            {"registrations.beneficiary_id": beneficiary_id},
            {"admitted": person},
            {"attended": person},
            {"connected.participant_id": person},
        ]
        if case_ids:
            linked.append({"case_id": {"$in": list(case_ids)}})
        unlinked = 0
        # Read and rewritten whole in the transaction: the room stays, so a replayed booking
        # finds it and cannot open it again with the person in it.
        async for doc in self._c.rooms.find({"$or": linked}, session=tx):
            room = room_from_doc(doc).without(beneficiary_id, case_ids)
            await self._c.rooms.replace_one({"_id": room.room_id}, room_to_doc(room), session=tx)
            unlinked += 1
        return unlinked

"""Transactional outbox and its relay to Kafka.

Producers stage events in the same MongoDB transaction as their state change; the relay
publishes them in order and marks them sent only after the broker's ack. Sent records are
kept (with a TTL) as the service's durable log, so history can be re-published.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog
from bson import ObjectId
from pymongo import ASCENDING

from jalon_shared.events.envelope import Event, utc_now
from jalon_shared.mongo import Collection, Database, Session

log = structlog.get_logger(__name__)

OUTBOX_COLLECTION = "outbox"
Headers = list[tuple[str, bytes]]


class RecordPublisher(Protocol):
    """Sends one record to Kafka; the returned awaitable completes on the broker's ack."""

    async def send(
        self, topic: str, key: bytes, value: bytes, headers: Headers
    ) -> Awaitable[Any]: ...


class TopicCheck(Protocol):
    """Ensures topics before a batch and tells which vanished after it (TopicGuard)."""

    async def ensure(self) -> list[str]: ...
    async def missing(self, names: Iterable[str]) -> list[str]: ...
    async def close(self) -> None: ...


class TopicsLostError(RuntimeError):
    """The broker lost topics while a batch was in flight: the batch must be sent again."""


class Outbox:
    """Stages events in the service's outbox collection."""

    def __init__(self, database: Database) -> None:
        self._collection: Collection = database[OUTBOX_COLLECTION]

    @property
    def collection(self) -> Collection:
        """Return the underlying collection."""
        return self._collection

    async def ensure_indexes(self) -> None:
        """Create the unique event index, the pending index and the sent-record TTL."""
        await self._collection.create_index("event_id", unique=True)
        await self._collection.create_index([("sent_at", ASCENDING), ("_id", ASCENDING)])
        await self._collection.create_index(
            "sent_expires_at", expireAfterSeconds=0, name="sent_retention"
        )

    async def stage(self, events: Iterable[Event], session: Session) -> int:
        """Write events to the outbox inside the caller's transaction."""
        docs = self.records(events)
        if docs:
            await self._collection.insert_many(docs, session=session, ordered=True)
        return len(docs)

    def records(self, events: Iterable[Event]) -> list[dict[str, Any]]:
        """Return the outbox records of events, for a caller that writes many at once."""
        return [
            {
                "_id": ObjectId(),
                "event_id": str(event.event_id),
                "event_type": event.event_type,
                "topic": event.TOPIC,
                "key": event.key(),
                "payload": event.model_dump_json(),
                "correlation_id": event.correlation_id,
                "created_at": utc_now(),
                "sent_at": None,
            }
            for event in events
        ]


class OutboxRelay:
    """Publishes pending outbox records in creation order and marks them sent after the ack."""

    def __init__(
        self,
        collection: Collection,
        publisher: RecordPublisher,
        *,
        batch_size: int = 200,
        poll_interval: float = 0.5,
        linger: float = 0.03,
        busy_batch: int = 8,
        retention: timedelta = timedelta(days=30),
        max_backoff: float = 5.0,
        topic_check: TopicCheck | None = None,
    ) -> None:
        self._collection = collection
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._linger = linger
        self._busy_batch = busy_batch
        self._last_cycle = 0.0
        self._last_published = 0
        self._retention = retention
        self._max_backoff = max_backoff
        self._topic_check = topic_check
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def notify(self) -> None:
        """Wake the relay after a commit so it publishes without waiting for the next poll."""
        self._wakeup.set()

    def start(self) -> None:
        """Start the relay loop in the background."""
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Stop the relay loop, letting an in-flight batch finish."""
        self._stopping.set()
        self._wakeup.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._topic_check is not None:
            await self._topic_check.close()

    async def pending(self) -> int:
        """Return how many records wait to be published."""
        return await self._collection.count_documents({"sent_at": None})

    async def _run(self) -> None:
        backoff = 0.1
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            # Under load every commit wakes the relay: while batches come out big, a cycle at
            # most every `linger` lets records gather into one read and one write. When they
            # come out small, nobody is queueing, and a lone request is published at once.
            since_last = loop.time() - self._last_cycle
            if self._last_published >= self._busy_batch and since_last < self._linger:
                await asyncio.sleep(self._linger - since_last)
            self._last_cycle = loop.time()
            try:
                published = await self.drain()
                self._last_published = published
                backoff = 0.1
            except Exception as exc:
                # Broker down or slow: keep the records, back off, and try again.
                log.warning("outbox publish failed", error=type(exc).__name__, retry_in=backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            if published == 0:
                await self._sleep(self._poll_interval)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout=seconds)
        self._wakeup.clear()

    async def drain(self) -> int:
        """Publish every pending record now; return how many were sent."""
        total = 0
        while True:
            self._wakeup.clear()
            batch = await self._collection.find(
                {"sent_at": None}, sort=[("_id", ASCENDING)], limit=self._batch_size
            ).to_list()
            if batch:
                await self._publish_batch(batch)
                total += len(batch)
            # A short batch was all there was; a commit since then has set the wake-up.
            if len(batch) < self._batch_size:
                return total

    async def _publish_batch(self, batch: Sequence[dict[str, Any]]) -> None:
        if self._topic_check is not None:
            # A broker that restarted empty would take records for topics it lacks, with the
            # wrong partition count or none at all: topics are ensured before publishing.
            await self._topic_check.ensure()
        # Every record is enqueued before any ack is awaited, in order, so per-key (per
        # partition) order is kept; the batch is marked sent in one write once every ack is
        # in, so a failure re-sends (at least once).
        acks = [
            await self._publisher.send(
                record["topic"],
                record["key"].encode(),
                record["payload"].encode(),
                [
                    ("event_id", record["event_id"].encode()),
                    ("event_type", record["event_type"].encode()),
                    ("correlation_id", record["correlation_id"].encode()),
                ],
            )
            for record in batch
        ]
        await asyncio.gather(*acks)
        if self._topic_check is not None:
            lost = await self._topic_check.missing({record["topic"] for record in batch})
            if lost:
                # The broker restarted during the batch: its acks mean nothing, send it again.
                raise TopicsLostError(f"topics lost during the batch: {', '.join(lost)}")
        now = utc_now()
        await self._collection.update_many(
            {"_id": {"$in": [record["_id"] for record in batch]}},
            {"$set": {"sent_at": now, "sent_expires_at": now + self._retention}},
        )
        log.debug("outbox batch published", count=len(batch))

    async def history(
        self, after: ObjectId | None, limit: int
    ) -> tuple[list[tuple[ObjectId, str]], ObjectId | None]:
        """Return kept records in creation order after a cursor, and the next cursor (or None)."""
        query: dict[str, Any] = {} if after is None else {"_id": {"$gt": after}}
        cursor = self._collection.find(
            query, projection={"payload": 1}, sort=[("_id", ASCENDING)], limit=limit
        )
        records = [(doc["_id"], str(doc["payload"])) async for doc in cursor]
        following = records[-1][0] if len(records) == limit else None
        return records, following

    async def republish(self, since: datetime | None = None) -> int:
        """Mark sent records pending again so the relay re-publishes history."""
        query: dict[str, Any] = {"sent_at": {"$ne": None}}
        if since is not None:
            query["created_at"] = {"$gte": since}
        result = await self._collection.update_many(
            query, {"$set": {"sent_at": None}, "$unset": {"sent_expires_at": ""}}
        )
        self.notify()
        log.info("outbox history queued for re-publish", count=result.modified_count)
        return result.modified_count


class KafkaRecordPublisher:
    """RecordPublisher on an aiokafka producer."""

    def __init__(self, producer: Any) -> None:
        self._producer = producer

    async def send(self, topic: str, key: bytes, value: bytes, headers: Headers) -> Awaitable[Any]:
        """Enqueue one record and return the future of its ack."""
        future: Awaitable[Any] = await self._producer.send(
            topic, value=value, key=key, headers=headers
        )
        return future

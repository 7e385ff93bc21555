"""Idempotent batch consumers with bounded retries and a dead-letter topic.

A batch off the partitions is applied in one transaction: the processed markers go in with one
insert, the handler's state changes with bulk writes flushed once. When the batch fails, its
events are applied one at a time, so a poison message is dead-lettered alone and the rest land.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, Protocol

import structlog
from aiokafka import AIOKafkaProducer
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import ValidationError
from pymongo.errors import BulkWriteError, DuplicateKeyError
from structlog.contextvars import bound_contextvars

from jalon_shared.events import topics
from jalon_shared.events.envelope import Event, utc_now
from jalon_shared.events.registry import parse_event
from jalon_shared.messaging.broker import consumer_options
from jalon_shared.mongo import Client, Collection, Database, Session, in_transaction
from jalon_shared.settings import ConsumerSettings, KafkaSettings

log = structlog.get_logger(__name__)

PROCESSED_COLLECTION = "processed_events"
DEAD_LETTER_COLLECTION = "dead_letters"
DUPLICATE_KEY = 11000

EventHandler = Callable[[Event, Session], Awaitable[None]]


class EventApplier(Protocol):
    """Applies a batch's events inside its transaction, buffering writes until flush."""

    async def apply(self, event: Event) -> None: ...
    async def flush(self) -> None: ...


ApplierFactory = Callable[[Session], EventApplier]


class _PerEvent:
    """An EventApplier over a plain handler that writes as it goes."""

    def __init__(self, handler: EventHandler, session: Session) -> None:
        self._handler = handler
        self._session = session

    async def apply(self, event: Event) -> None:
        await self._handler(event, self._session)

    async def flush(self) -> None:
        return None


def per_event(handler: EventHandler) -> ApplierFactory:
    """Return an applier factory for a handler with nothing to batch."""
    return lambda session: _PerEvent(handler, session)


class Outcome(StrEnum):
    """What happened to one delivered message."""

    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message as it came off a partition."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


class MessageProcessor(Protocol):
    """Takes a batch of deliveries off the partitions; IdempotentConsumer is the real one."""

    name: str

    async def process_batch(self, deliveries: Sequence[Delivery]) -> list[Outcome]: ...


class DeadLetters:
    """Sends poison messages to the dead-letter topic, with the error attached."""

    def __init__(self, producer: AIOKafkaProducer, database: Database, consumer: str) -> None:
        self._producer = producer
        self._collection: Collection = database[DEAD_LETTER_COLLECTION]
        self._consumer = consumer

    async def send(self, delivery: Delivery, error: BaseException, attempts: int) -> None:
        """Publish the message to the dead-letter topic and keep a copy for operators."""
        reason = f"{type(error).__name__}: {error}"[:2000]
        headers = [
            *[(k, v) for k, v in delivery.headers if not k.startswith("dlt.")],
            ("dlt.error", reason.encode()),
            ("dlt.error_type", type(error).__name__.encode()),
            ("dlt.original_topic", delivery.topic.encode()),
            ("dlt.original_partition", str(delivery.partition).encode()),
            ("dlt.original_offset", str(delivery.offset).encode()),
            ("dlt.consumer", self._consumer.encode()),
            ("dlt.attempts", str(attempts).encode()),
        ]
        ack = await self._producer.send(
            topics.DEAD_LETTER, value=delivery.value or b"", key=delivery.key, headers=headers
        )
        await ack
        await self._collection.update_one(
            {
                "topic": delivery.topic,
                "partition": delivery.partition,
                "offset": delivery.offset,
                "consumer": self._consumer,
            },
            {
                "$setOnInsert": {
                    "value": delivery.value,
                    "error": reason,
                    "traceback": "".join(traceback.format_exception(error))[-4000:],
                    "attempts": attempts,
                    "dead_lettered_at": utc_now(),
                }
            },
            upsert=True,
        )


class IdempotentConsumer:
    """Applies each event at most once per consumer, in one transaction with its marker."""

    def __init__(
        self,
        name: str,
        client: Client,
        database: Database,
        applier: ApplierFactory,
        dead_letters: DeadLetters,
        settings: ConsumerSettings,
    ) -> None:
        self.name = name
        self._client = client
        self._processed: Collection = database[PROCESSED_COLLECTION]
        self._applier = applier
        self._dead_letters = dead_letters
        self._settings = settings

    async def ensure_indexes(self, retention: timedelta) -> None:
        """Create the unique processed-event index and its retention TTL."""
        await self._processed.create_index(
            [("consumer", 1), ("event_id", 1)], unique=True, name="consumer_event_unique"
        )
        await self._processed.create_index(
            "processed_at", expireAfterSeconds=int(retention.total_seconds())
        )

    async def reset(self) -> int:
        """Forget which events were applied, so re-published history applies again."""
        result = await self._processed.delete_many({"consumer": self.name})
        log.info("processed markers dropped", consumer=self.name, count=result.deleted_count)
        return result.deleted_count

    async def process(self, delivery: Delivery) -> Outcome:
        """Apply one delivery (a batch of one)."""
        return (await self.process_batch([delivery]))[0]

    async def process_batch(self, deliveries: Sequence[Delivery]) -> list[Outcome]:
        """Apply a batch in one transaction; on failure, apply its events one by one."""
        outcomes: list[Outcome | None] = [None] * len(deliveries)
        parsed: list[tuple[int, Event]] = []
        seen: set[str] = set()
        for index, delivery in enumerate(deliveries):
            event = await self._parse(delivery)
            if event is None:
                outcomes[index] = Outcome.DEAD_LETTERED
            elif str(event.event_id) in seen:
                # The same event twice in one batch (a producer's retry): apply it once.
                outcomes[index] = Outcome.DUPLICATE
            else:
                seen.add(str(event.event_id))
                parsed.append((index, event))
        if len(parsed) > 1:
            try:
                applied = await self._apply_once([e for _, e in parsed])
            except Exception as exc:
                # Something in the batch cannot be applied: find it by going one at a time.
                log.warning(
                    "batch failed, applying one by one",
                    consumer=self.name,
                    size=len(parsed),
                    error_type=type(exc).__name__,
                )
            else:
                for index, event in parsed:
                    processed = str(event.event_id) in applied
                    outcomes[index] = Outcome.PROCESSED if processed else Outcome.DUPLICATE
                log.debug("batch processed", consumer=self.name, size=len(parsed))
                return [o if o is not None else Outcome.DUPLICATE for o in outcomes]
        for index, event in parsed:
            with bound_contextvars(
                correlation_id=event.correlation_id,
                event_id=str(event.event_id),
                event_type=event.event_type,
                consumer=self.name,
            ):
                outcomes[index] = await self._apply_with_retries(event, deliveries[index])
        return [o if o is not None else Outcome.DUPLICATE for o in outcomes]

    async def _parse(self, delivery: Delivery) -> Event | None:
        """Return the delivery's event, or dead-letter it at once if it is malformed."""
        try:
            if delivery.value is None:
                raise ValueError("empty message")
            event = parse_event(delivery.value)
            if delivery.topic != event.TOPIC:
                # A contract names its topic: anything else is a producer bug, not this event.
                raise ValueError(f"{event.event_type} belongs on {event.TOPIC}")
        except (ValueError, ValidationError) as exc:
            # A malformed message never gets better: dead-letter it at once.
            log.warning(
                "malformed message dead-lettered",
                topic=delivery.topic,
                partition=delivery.partition,
                offset=delivery.offset,
                error_type=type(exc).__name__,
            )
            await self._dead_letters.send(delivery, exc, attempts=1)
            return None
        return event

    async def _apply_batch(
        self, events: Sequence[Event], session: Session, *, check_first: bool
    ) -> set[str]:
        """Apply the events not yet marked, with their markers; return the ids applied."""
        fresh = list(events)
        if check_first:
            ids = [str(event.event_id) for event in events]
            done = {
                doc["event_id"]
                async for doc in self._processed.find(
                    {"consumer": self.name, "event_id": {"$in": ids}},
                    projection={"event_id": True, "_id": False},
                    session=session,
                )
            }
            fresh = [event for event in events if str(event.event_id) not in done]
        if not fresh:
            return set()
        now = utc_now()
        # Without the check, an event applied before trips the unique index and the whole
        # transaction aborts; the caller then runs it again with the check.
        await self._processed.insert_many(
            [
                {
                    "consumer": self.name,
                    "event_id": str(event.event_id),
                    "event_type": event.event_type,
                    "processed_at": now,
                }
                for event in fresh
            ],
            session=session,
        )
        applier = self._applier(session)
        for event in fresh:
            await applier.apply(event)
        await applier.flush()
        return {str(event.event_id) for event in fresh}

    async def _apply_once(self, events: Sequence[Event]) -> set[str]:
        """Apply events in one transaction; re-deliveries are rare, so look for markers lazily."""
        try:
            return await in_transaction(
                self._client, lambda s: self._apply_batch(events, s, check_first=False)
            )
        except (DuplicateKeyError, BulkWriteError) as exc:
            if not _duplicate_marker(exc):
                raise
        return await in_transaction(
            self._client, lambda s: self._apply_batch(events, s, check_first=True)
        )

    async def _apply_with_retries(self, event: Event, delivery: Delivery) -> Outcome:
        attempts = self._settings.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                applied = await self._apply_once([event])
            except Exception as exc:
                if attempt == attempts:
                    log.error("event dead-lettered after retries", attempts=attempt)
                    await self._dead_letters.send(delivery, exc, attempts=attempt)
                    return Outcome.DEAD_LETTERED
                log.warning("event handling failed", attempt=attempt, error_type=type(exc).__name__)
                await asyncio.sleep(self._settings.retry_backoff_ms / 1000 * 2 ** (attempt - 1))
            else:
                if not applied:
                    log.info("duplicate event skipped")
                    return Outcome.DUPLICATE
                log.debug("event processed")
                return Outcome.PROCESSED
        raise AssertionError("unreachable")  # pragma: no cover


def _duplicate_marker(exc: DuplicateKeyError | BulkWriteError) -> bool:
    """Return whether the write failed on the processed-marker unique index."""
    if isinstance(exc, DuplicateKeyError):
        return True
    errors = exc.details.get("writeErrors", [])
    return bool(errors) and all(error.get("code") == DUPLICATE_KEY for error in errors)


async def _raw_decoder(message: Any) -> Any:
    # Keep the bytes untouched: parsing (and dead-lettering what fails) is the consumer's job.
    return message.body


def subscribe(
    broker: KafkaBroker,
    consumer: MessageProcessor,
    topic_names: Sequence[str],
    kafka: KafkaSettings,
) -> None:
    """Register a consumer-group batch subscriber that feeds the idempotent consumer."""

    # FastStream's subscriber decorator is not fully typed when given a custom decoder.
    @broker.subscriber(  # type: ignore[untyped-decorator]
        *topic_names,
        group_id=consumer.name,
        batch=True,
        max_records=kafka.max_poll_records,
        batch_timeout_ms=kafka.fetch_max_wait_ms,
        # Anything the consumer could not dead-letter (Mongo or the DLT down) is re-delivered:
        # a nack rewinds every partition of the batch to its first record.
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=_raw_decoder,
        **consumer_options(kafka),
    )
    async def on_batch(body: Any, message: KafkaMessage) -> None:
        raw = message.raw_message
        # A batch is a tuple of records from Kafka, a list from FastStream's test broker.
        records = tuple(raw) if isinstance(raw, (tuple, list)) else (raw,)
        await consumer.process_batch(
            [
                Delivery(
                    topic=record.topic,
                    partition=record.partition,
                    offset=record.offset,
                    key=record.key,
                    value=record.value,
                    headers=list(record.headers or ()),
                )
                for record in records
            ]
        )

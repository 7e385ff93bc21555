"""Idempotent consumers with bounded retries and a dead-letter topic."""

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
from pymongo.errors import DuplicateKeyError
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

EventHandler = Callable[[Event, Session], Awaitable[None]]


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
    """Takes one delivery off a partition; IdempotentConsumer is the real one."""

    name: str

    async def process(self, delivery: Delivery) -> Outcome: ...


class _AlreadyProcessedError(Exception):
    """The event id was already recorded for this consumer."""


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
        handler: EventHandler,
        dead_letters: DeadLetters,
        settings: ConsumerSettings,
    ) -> None:
        self.name = name
        self._client = client
        self._processed: Collection = database[PROCESSED_COLLECTION]
        self._handler = handler
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
        """Parse, apply once, retry transient failures, and dead-letter what cannot be applied."""
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
            return Outcome.DEAD_LETTERED
        with bound_contextvars(
            correlation_id=event.correlation_id,
            event_id=str(event.event_id),
            event_type=event.event_type,
            consumer=self.name,
        ):
            return await self._apply_with_retries(event, delivery)

    async def _apply_with_retries(self, event: Event, delivery: Delivery) -> Outcome:
        attempts = self._settings.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                await in_transaction(self._client, lambda s: self._apply(event, s))
            except _AlreadyProcessedError:
                log.info("duplicate event skipped")
                return Outcome.DUPLICATE
            except Exception as exc:
                if attempt == attempts:
                    log.error("event dead-lettered after retries", attempts=attempt)
                    await self._dead_letters.send(delivery, exc, attempts=attempt)
                    return Outcome.DEAD_LETTERED
                log.warning("event handling failed", attempt=attempt, error_type=type(exc).__name__)
                await asyncio.sleep(self._settings.retry_backoff_ms / 1000 * 2 ** (attempt - 1))
            else:
                log.debug("event processed")
                return Outcome.PROCESSED
        raise AssertionError("unreachable")  # pragma: no cover

    async def _apply(self, event: Event, session: Session) -> None:
        try:
            await self._processed.insert_one(
                {
                    "consumer": self.name,
                    "event_id": str(event.event_id),
                    "event_type": event.event_type,
                    "processed_at": utc_now(),
                },
                session=session,
            )
        except DuplicateKeyError as exc:
            raise _AlreadyProcessedError from exc
        await self._handler(event, session)


async def _raw_decoder(message: Any) -> Any:
    # Keep the bytes untouched: parsing (and dead-lettering what fails) is the consumer's job.
    return message.body


def subscribe(
    broker: KafkaBroker,
    consumer: MessageProcessor,
    topic_names: Sequence[str],
    kafka: KafkaSettings,
) -> None:
    """Register a consumer-group subscriber that feeds the idempotent consumer."""

    # FastStream's subscriber decorator is not fully typed when given a custom decoder.
    @broker.subscriber(  # type: ignore[untyped-decorator]
        *topic_names,
        group_id=consumer.name,
        # Anything the consumer could not dead-letter (Mongo or the DLT down) is re-delivered.
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=_raw_decoder,
        **consumer_options(kafka),
    )
    async def on_message(body: bytes, message: KafkaMessage) -> None:
        record = message.raw_message
        if isinstance(record, tuple):
            raise TypeError("batch subscribers are not supported")
        await consumer.process(
            Delivery(
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                key=record.key,
                value=record.value,
                headers=list(record.headers or ()),
            )
        )

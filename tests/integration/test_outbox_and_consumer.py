"""Outbox relay and idempotent consumer against the real MongoDB."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from jalon_dev.stack import EmbeddedKafka
from jalon_shared.events import topics
from jalon_shared.events.appointment import AppointmentRescheduled
from jalon_shared.events.envelope import Event, utc_now
from jalon_shared.events.intake import BeneficiaryErased
from jalon_shared.messaging.consumer import (
    DeadLetters,
    Delivery,
    IdempotentConsumer,
    Outcome,
    per_event,
)
from jalon_shared.messaging.outbox import Headers, Outbox, OutboxRelay
from jalon_shared.mongo import Client, Database, Session, in_transaction
from jalon_shared.settings import ConsumerSettings


class FlakyPublisher:
    """Fails the first sends, then acks; records what was acked, in order."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.acked: list[bytes] = []

    async def send(self, topic: str, key: bytes, value: bytes, headers: Headers) -> Awaitable[Any]:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("broker unavailable")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        self.acked.append(key)
        return future


def erased() -> BeneficiaryErased:
    return BeneficiaryErased(correlation_id="c", producer="test", beneficiary_id=uuid.uuid4())


async def test_relay_publishes_in_order_and_marks_sent_only_after_the_ack(
    mongo_client: Client,
) -> None:
    db = mongo_client[f"t_outbox_{uuid.uuid4().hex[:8]}"]
    outbox = Outbox(db)
    await outbox.ensure_indexes()
    events = [erased() for _ in range(5)]

    async def stage(session: Session) -> None:
        await outbox.stage(events, session)

    await in_transaction(mongo_client, stage)
    publisher = FlakyPublisher(failures=2)
    relay = OutboxRelay(outbox.collection, publisher, poll_interval=0.05, max_backoff=0.1)
    relay.start()
    try:

        async def drained() -> bool:
            return await relay.pending() == 0

        deadline = asyncio.get_running_loop().time() + 10
        while not await drained():
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.05)
    finally:
        await relay.stop()
    assert publisher.acked == [e.key().encode() for e in events]
    sent = await outbox.collection.find({}, sort=[("_id", 1)]).to_list()
    assert all(doc["sent_at"] is not None for doc in sent)
    assert all(doc["sent_expires_at"] > doc["sent_at"] for doc in sent)

    # History stays in the outbox and can be re-published after the broker lost it.
    assert await relay.republish() == 5
    assert await relay.pending() == 5


async def test_an_aborted_transaction_stages_nothing(mongo_client: Client) -> None:
    db = mongo_client[f"t_outbox_{uuid.uuid4().hex[:8]}"]
    outbox = Outbox(db)
    await outbox.ensure_indexes()

    async def fail_after_staging(session: Session) -> None:
        await outbox.stage([erased()], session)
        await db["state"].insert_one({"x": 1}, session=session)
        raise RuntimeError("business rule refused")

    with pytest.raises(RuntimeError, match="refused"):
        await in_transaction(mongo_client, fail_after_staging)
    assert await outbox.collection.count_documents({}) == 0
    assert await db["state"].count_documents({}) == 0


async def test_consumer_applies_once_and_dead_letters_after_bounded_retries(
    mongo_client: Client, kafka: EmbeddedKafka
) -> None:
    db = mongo_client[f"t_consumer_{uuid.uuid4().hex[:8]}"]
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, enable_idempotence=False)
    await producer.start()
    calls: list[str] = []

    async def count(event: Any, session: Session) -> None:
        calls.append(str(event.event_id))
        await db["counter"].update_one({"_id": 1}, {"$inc": {"n": 1}}, upsert=True, session=session)
        if event.beneficiary_id == failing.beneficiary_id:
            raise RuntimeError("downstream refused")

    consumer = IdempotentConsumer(
        "test.counter",
        mongo_client,
        db,
        per_event(count),
        DeadLetters(producer, db, "test.counter"),
        ConsumerSettings(max_attempts=3, retry_backoff_ms=1),
    )
    await consumer.ensure_indexes(retention=timedelta(days=1))
    ok, failing = erased(), erased()

    def delivery(event: BeneficiaryErased, offset: int) -> Delivery:
        return Delivery("intake.beneficiary.v1", 0, offset, b"k", event.to_json_bytes(), [])

    try:
        assert await consumer.process(delivery(ok, 1)) is Outcome.PROCESSED
        assert await consumer.process(delivery(ok, 2)) is Outcome.DUPLICATE
        assert await consumer.process(delivery(failing, 3)) is Outcome.DEAD_LETTERED
    finally:
        await producer.stop()
    counter = await db["counter"].find_one({"_id": 1})
    assert counter is not None
    assert counter["n"] == 1  # the failing attempts rolled back
    assert calls.count(str(failing.event_id)) == 3
    letter = await db["dead_letters"].find_one({"offset": 3})
    assert letter is not None
    assert letter["attempts"] == 3
    assert "downstream refused" in letter["error"]


class CapturingPublisher:
    """Acks every send and keeps what was sent, as the broker would receive it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []

    async def send(self, topic: str, key: bytes, value: bytes, headers: Headers) -> Awaitable[Any]:
        self.sent.append((topic, key, value))
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


@pytest.fixture
async def producer(kafka: EmbeddedKafka) -> AsyncIterator[AIOKafkaProducer]:
    """Return a raw producer for the consumers' dead letters."""
    raw = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, enable_idempotence=False)
    await raw.start()
    yield raw
    await raw.stop()


def recording_consumer(
    name: str, client: Client, db: Database, producer: AIOKafkaProducer, seen: list[Event]
) -> IdempotentConsumer:
    async def record(event: Event, session: Session) -> None:
        seen.append(event)

    return IdempotentConsumer(
        name,
        client,
        db,
        per_event(record),
        DeadLetters(producer, db, name),
        ConsumerSettings(max_attempts=1, retry_backoff_ms=1),
    )


async def test_a_v1_event_left_in_an_old_outbox_reaches_consumers_as_v2(
    mongo_client: Client, producer: AIOKafkaProducer
) -> None:
    db = mongo_client[f"t_upcast_{uuid.uuid4().hex[:8]}"]
    outbox = Outbox(db)
    await outbox.ensure_indexes()
    event_id, appointment_id = uuid.uuid4(), uuid.uuid4()
    # The record exactly as the v1 producer staged it, before AppointmentRescheduled v2 existed.
    v1_payload = {
        "event_id": str(event_id),
        "event_type": "appointment.rescheduled",
        "schema_version": 1,
        "occurred_at": "2026-03-01T08:00:00Z",
        "correlation_id": "corr-v1",
        "causation_id": None,
        "producer": "appointment",
        "appointment_id": str(appointment_id),
        "case_id": str(uuid.uuid4()),
        "starts_at": "2026-03-10T09:30:00Z",
        "previous_starts_at": "2026-03-03T14:00:00",
    }
    await outbox.collection.insert_one(
        {
            "event_id": str(event_id),
            "event_type": "appointment.rescheduled",
            "topic": topics.APPOINTMENT,
            "key": str(appointment_id),
            "payload": json.dumps(v1_payload),
            "correlation_id": "corr-v1",
            "created_at": utc_now(),
            "sent_at": None,
        }
    )
    publisher = CapturingPublisher()
    assert await OutboxRelay(outbox.collection, publisher).drain() == 1
    [(topic, key, value)] = publisher.sent
    seen: list[Event] = []
    consumer = recording_consumer("test.upcast", mongo_client, db, producer, seen)
    await consumer.ensure_indexes(retention=timedelta(days=1))
    outcome = await consumer.process(Delivery(topic, 0, 0, key, value, []))
    assert outcome is Outcome.PROCESSED
    [event] = seen
    assert isinstance(event, AppointmentRescheduled)
    assert event.schema_version == 2
    assert event.event_id == event_id
    assert event.rescheduled_from == datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


async def test_reset_drops_only_the_consumers_own_markers(
    mongo_client: Client, producer: AIOKafkaProducer
) -> None:
    db = mongo_client[f"t_reset_{uuid.uuid4().hex[:8]}"]
    seen_a: list[Event] = []
    seen_b: list[Event] = []
    a = recording_consumer("test.reset-a", mongo_client, db, producer, seen_a)
    b = recording_consumer("test.reset-b", mongo_client, db, producer, seen_b)
    await a.ensure_indexes(retention=timedelta(days=1))
    events = [erased(), erased()]
    deliveries = [
        Delivery(topics.INTAKE_BENEFICIARY, 0, offset, e.key().encode(), e.to_json_bytes(), [])
        for offset, e in enumerate(events)
    ]
    for consumer in (a, b):
        for delivery in deliveries:
            assert await consumer.process(delivery) is Outcome.PROCESSED

    assert await a.reset() == 2
    assert await db["processed_events"].count_documents({"consumer": "test.reset-a"}) == 0
    assert await db["processed_events"].count_documents({"consumer": "test.reset-b"}) == 2
    # After the reset the same history applies again to a, and is still a duplicate for b.
    for delivery in deliveries:
        assert await a.process(delivery) is Outcome.PROCESSED
        assert await b.process(delivery) is Outcome.DUPLICATE
    assert seen_a == [*events, *events]
    assert seen_b == events
    assert await a.reset() == 2
    assert await a.reset() == 0


async def test_an_event_on_another_topic_than_its_contract_is_dead_lettered(
    mongo_client: Client, producer: AIOKafkaProducer
) -> None:
    db = mongo_client[f"t_topic_{uuid.uuid4().hex[:8]}"]
    seen: list[Event] = []
    consumer = recording_consumer("test.topic", mongo_client, db, producer, seen)
    await consumer.ensure_indexes(retention=timedelta(days=1))
    event = erased()
    delivery = Delivery(topics.INTAKE_CASE, 2, 7, b"k", event.to_json_bytes(), [])
    assert await consumer.process(delivery) is Outcome.DEAD_LETTERED
    assert seen == []
    letter = await db["dead_letters"].find_one({"topic": topics.INTAKE_CASE, "offset": 7})
    assert letter is not None
    assert "intake.beneficiary_erased belongs on intake.beneficiary.v1" in letter["error"]


class BufferingCounter:
    """An applier that buffers a batch's increments and writes them once, as reporting does."""

    def __init__(self, db: Database, session: Session, poison: set[str], flushes: list[int]):
        self._db = db
        self._session = session
        self._poison = poison
        self._flushes = flushes
        self._pending: list[str] = []

    async def apply(self, event: Event) -> None:
        if str(event.event_id) in self._poison:
            raise RuntimeError("this event cannot be applied")
        self._pending.append(str(event.event_id))

    async def flush(self) -> None:
        self._flushes.append(len(self._pending))
        await self._db["applied"].insert_many(
            [{"_id": event_id} for event_id in self._pending], session=self._session
        )


async def test_a_poison_event_in_a_batch_is_dead_lettered_alone_and_the_rest_applied_once(
    mongo_client: Client, producer: AIOKafkaProducer
) -> None:
    db = mongo_client[f"t_batch_{uuid.uuid4().hex[:8]}"]
    events = [erased() for _ in range(6)]
    poison = events[2]
    flushes: list[int] = []
    consumer = IdempotentConsumer(
        "test.batch",
        mongo_client,
        db,
        lambda session: BufferingCounter(db, session, {str(poison.event_id)}, flushes),
        DeadLetters(producer, db, "test.batch"),
        ConsumerSettings(max_attempts=2, retry_backoff_ms=1),
    )
    await consumer.ensure_indexes(retention=timedelta(days=1))

    def deliveries(batch: list[BeneficiaryErased], first_offset: int) -> list[Delivery]:
        return [
            Delivery(topics.INTAKE_BENEFICIARY, 0, first_offset + i, b"k", e.to_json_bytes(), [])
            for i, e in enumerate(batch)
        ]

    # A clean batch goes in one transaction: one flush of all its events.
    clean = [erased() for _ in range(5)]
    assert await consumer.process_batch(deliveries(clean, 0)) == [Outcome.PROCESSED] * 5
    assert flushes == [5]

    # Malformed bytes and a poison event in the middle: both dead-lettered, the others applied.
    batch = deliveries(events, 10)
    batch.insert(4, Delivery(topics.INTAKE_BENEFICIARY, 0, 99, b"k", b"{not json", []))
    # The same event delivered twice in the batch, and one already applied in the clean batch.
    batch.append(batch[0])
    batch.append(deliveries([clean[1]], 98)[0])
    outcomes = await consumer.process_batch(batch)
    assert outcomes == [
        Outcome.PROCESSED,
        Outcome.PROCESSED,
        Outcome.DEAD_LETTERED,  # the poison event, after its retries alone
        Outcome.PROCESSED,
        Outcome.DEAD_LETTERED,  # the malformed bytes, at once
        Outcome.PROCESSED,
        Outcome.PROCESSED,
        Outcome.DUPLICATE,
        Outcome.DUPLICATE,
    ]
    applied = {doc["_id"] async for doc in db["applied"].find({})}
    expected = {str(e.event_id) for e in [*clean, *events] if e is not poison}
    assert applied == expected
    markers = await db["processed_events"].count_documents({"consumer": "test.batch"})
    assert markers == len(expected)
    letters = {doc["offset"] async for doc in db["dead_letters"].find({})}
    assert letters == {12, 99}
    # Redelivering the whole batch (a nack rewinds the partitions) changes nothing.
    again = await consumer.process_batch(batch)
    assert Outcome.PROCESSED not in again
    assert await db["applied"].count_documents({}) == len(expected)

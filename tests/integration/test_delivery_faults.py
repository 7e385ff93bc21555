"""Delivery guarantees under faults: a lost broker, duplicates and poison messages."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import TopicPartition

from intake.entrypoints.main import build_app as build_intake
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo
from jalon_shared.access import Role
from jalon_shared.events import topics
from jalon_shared.events.intake import RequestSubmitted
from jalon_shared.events.vocabulary import Csp, EmploymentSituation, ServiceLevel
from jalon_shared.messaging.broker import ensure_topics
from jalon_shared.mongo import Client
from jalon_shared.settings import KafkaSettings
from tests.integration.conftest import RunningService
from tests.support import (
    Keys,
    eventually,
    intake_payload,
    register_region,
    reported,
    running,
    service_settings,
)


def request_submitted(region: str) -> RequestSubmitted:
    """Return a valid RequestSubmitted for a region."""
    return RequestSubmitted(
        correlation_id=uuid.uuid4().hex,
        producer="test",
        request_id=uuid.uuid4(),
        beneficiary_id=uuid.uuid4(),
        region=region,
        site="brest",
        csp=Csp.CADRE,
        employment_situation=EmploymentSituation.EMPLOYED,
        service_level=ServiceLevel.ACCUEIL_INDIVIDUALISE,
    )


@pytest.fixture
async def producer(kafka: EmbeddedKafka) -> AsyncIterator[AIOKafkaProducer]:
    """Return a raw producer, as a misbehaving or replaying peer would use."""
    raw = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, enable_idempotence=False)
    await raw.start()
    yield raw
    await raw.stop()


async def read_topic(bootstrap: str, topic: str, want: int, timeout: float = 20.0) -> list[Any]:
    """Read every partition of a topic from the beginning until want records arrived."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    records: list[Any] = []
    try:
        partitions = [TopicPartition(topic, p) for p in range(topics.PARTITIONS[topic])]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        async with asyncio.timeout(timeout):
            while len(records) < want:
                batch = await consumer.getmany(timeout_ms=200)
                for partition_records in batch.values():
                    records.extend(partition_records)
    except TimeoutError:
        pass
    finally:
        await consumer.stop()
    return records


async def test_a_lost_broker_loses_nothing_and_delivers_after_restart(
    mongo: EmbeddedMongo, keys: Keys, mongo_client: Client
) -> None:
    kafka = EmbeddedKafka()
    kafka.start()
    kafka_settings = KafkaSettings(bootstrap_servers=kafka.bootstrap)
    await ensure_topics(kafka_settings, topics.PARTITIONS)
    settings = service_settings("intake", kafka=kafka.bootstrap, mongo_uri=mongo.uri, keys=keys)
    outbox = mongo_client[settings.database_name()]["outbox"]

    async def drained() -> bool:
        return await outbox.count_documents({"sent_at": None}) == 0

    try:
        async with running(build_intake(settings)) as http:
            await register_region(http, keys, "lost-broker")
            # A first request goes through, so the relay holds a live connection when the
            # broker dies: the case where a naive relay would publish into the void.
            first = await http.post(
                "/requests",
                json=intake_payload(region="lost-broker"),
                headers=keys.headers(str(uuid.uuid4()), Role.BENEFICIARY),
            )
            assert first.status_code == 201, first.text
            await eventually(drained, timeout=30)
            # The broker dies after the request's transaction commits but before the relay
            # publishes: the HTTP call still succeeds and the events wait in the outbox.
            kafka.stop()
            response = await http.post(
                "/requests",
                json=intake_payload(region="lost-broker"),
                headers=keys.headers(str(uuid.uuid4()), Role.BENEFICIARY),
            )
            assert response.status_code == 201, response.text
            case_id = response.json()["case_id"]
            await asyncio.sleep(1.0)
            assert await outbox.count_documents({"sent_at": None}) == 2

            # The embedded broker is memory-only: it comes back empty, and the relay
            # recreates the topics with their partition counts before re-publishing.
            kafka.start()
            await eventually(drained, timeout=60)
        records = await read_topic(kafka.bootstrap, topics.INTAKE_CASE, want=1)
        assert [r.key.decode() for r in records] == [case_id]
        assert b'"intake.case_opened"' in records[0].value
    finally:
        kafka.stop()


async def test_a_redelivered_event_changes_the_read_model_once(
    reporting: RunningService, producer: AIOKafkaProducer
) -> None:
    region = f"dup{uuid.uuid4().hex[:6]}"
    event = request_submitted(region)
    later = request_submitted(region)
    key = event.key().encode()
    # Same key, so both land on one partition and the later event marks the end.
    for value in (event.to_json_bytes(), event.to_json_bytes(), later.to_json_bytes()):
        await producer.send_and_wait(topics.INTAKE_REQUEST, value=value, key=key)

    async def later_seen() -> bool:
        return await reporting.db["g1_seen"].count_documents({"_id": str(later.event_id)}) == 1

    await eventually(later_seen)
    assert await reported(reporting.db, region, "requests") == 2
    processed = reporting.db["processed_events"]
    assert await processed.count_documents({"event_id": str(event.event_id)}) == 1


async def test_a_poison_message_is_dead_lettered_and_does_not_block_the_partition(
    kafka: EmbeddedKafka, reporting: RunningService, producer: AIOKafkaProducer
) -> None:
    region = f"poison{uuid.uuid4().hex[:6]}"
    before, after = request_submitted(region), request_submitted(region)
    key = before.key().encode()
    marker = uuid.uuid4().hex.encode()
    wrong_shape = request_submitted(region).to_document() | {"csp": "astronaut"}
    poison = [b"\x00not json " + marker, repr(wrong_shape).encode() + marker]
    # Sent together, so they reach the batch subscriber as one batch with poison in the middle.
    sends = [
        await producer.send(topics.INTAKE_REQUEST, value=value, key=key)
        for value in (before.to_json_bytes(), *poison, after.to_json_bytes())
    ]
    await asyncio.gather(*sends)

    async def both_seen() -> bool:
        return await reported(reporting.db, region, "requests") == 2

    await eventually(both_seen)
    dead = [
        r
        for r in await read_topic(kafka.bootstrap, topics.DEAD_LETTER, want=1_000, timeout=5)
        if marker in r.value
    ]
    assert sorted(r.value for r in dead) == sorted(poison)
    for record in dead:
        headers = dict(record.headers)
        assert headers["dlt.original_topic"] == topics.INTAKE_REQUEST.encode()
        assert headers["dlt.consumer"] == b"reporting.read-model"
        assert headers["dlt.error"]
    stored = await reporting.db["dead_letters"].count_documents({"value": {"$in": poison}})
    assert stored == 2

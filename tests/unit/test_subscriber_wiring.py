"""The subscriber hands raw bytes to the consumer, whatever the message claims to be."""

from __future__ import annotations

from collections.abc import Sequence

from faststream.kafka import TestKafkaBroker

from jalon_shared.messaging.broker import create_broker
from jalon_shared.messaging.consumer import Delivery, Outcome, subscribe
from jalon_shared.settings import KafkaSettings


class RecordingConsumer:
    """Stands in for IdempotentConsumer and records what it was given."""

    name = "test.recorder"

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []

    async def process_batch(self, deliveries: Sequence[Delivery]) -> list[Outcome]:
        self.deliveries.extend(deliveries)
        return [Outcome.PROCESSED] * len(deliveries)


async def test_malformed_json_reaches_the_consumer_untouched() -> None:
    settings = KafkaSettings()
    broker = create_broker(settings, client_id="unit")
    consumer = RecordingConsumer()
    subscribe(broker, consumer, ["intake.request.v1"], settings)
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(
            b"{not json",
            "intake.request.v1",
            key=b"k1",
            headers={"content-type": "application/json", "event_id": "e-1"},
        )
    assert len(consumer.deliveries) == 1
    delivery = consumer.deliveries[0]
    assert delivery.value == b"{not json"
    assert delivery.key == b"k1"
    assert delivery.topic == "intake.request.v1"
    assert ("event_id", b"e-1") in delivery.headers

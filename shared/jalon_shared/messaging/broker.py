"""Build FastStream brokers, raw producers and topics from settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker

from jalon_shared.settings import KafkaSettings

log = structlog.get_logger(__name__)


def create_broker(settings: KafkaSettings, client_id: str) -> KafkaBroker:
    """Build the service's FastStream broker."""
    return KafkaBroker(
        settings.bootstrap_servers,
        client_id=client_id,
        request_timeout_ms=settings.request_timeout_ms,
        # The embedded broker refuses idempotent producers (docs/architecture.md, "Embedded stack").
        enable_idempotence=False,
        acks="all",
        logger=None,
    )


def consumer_options(settings: KafkaSettings) -> dict[str, Any]:
    """Return the subscriber options shared by every consumer group."""
    return {
        "auto_offset_reset": "earliest",
        "session_timeout_ms": settings.session_timeout_ms,
        "heartbeat_interval_ms": settings.heartbeat_interval_ms,
        "max_poll_records": settings.max_poll_records,
        "fetch_max_wait_ms": settings.fetch_max_wait_ms,
    }


def create_producer(settings: KafkaSettings, client_id: str) -> AIOKafkaProducer:
    """Build a raw producer for the outbox relay and dead letters."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=False,
        request_timeout_ms=settings.request_timeout_ms,
        linger_ms=2,
    )


async def ensure_topics(settings: KafkaSettings, partitions: Mapping[str, int]) -> list[str]:
    """Create missing topics with explicit partition counts; return the ones created."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers,
        request_timeout_ms=settings.request_timeout_ms,
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name, num_partitions=count, replication_factor=1)
            for name, count in partitions.items()
            if name not in existing
        ]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                log.info("topics already created concurrently")
        created = [topic.name for topic in missing]
        log.info("topics ensured", created=created, total=len(partitions))
        return created
    finally:
        await admin.close()

"""Build FastStream brokers, raw producers and topics from settings."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
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
    guard = TopicGuard(settings, partitions)
    try:
        return await guard.ensure()
    finally:
        await guard.close()


class TopicGuard:
    """Makes sure the topics exist, and still exist after a publish, with one admin client.

    The embedded broker is memory-only and accepts records for topics it does not have: after
    it restarts empty, a connected producer's records would be acked and then lost. The relay
    ensures the topics before a batch and checks them after the acks, before marking it sent.
    """

    def __init__(self, settings: KafkaSettings, partitions: Mapping[str, int]) -> None:
        self._settings = settings
        self._partitions = dict(partitions)
        self._admin: AIOKafkaAdminClient | None = None

    async def _client(self) -> AIOKafkaAdminClient:
        if self._admin is None:
            admin = AIOKafkaAdminClient(
                bootstrap_servers=self._settings.bootstrap_servers,
                request_timeout_ms=self._settings.request_timeout_ms,
            )
            await admin.start()
            self._admin = admin
        return self._admin

    async def _existing(self) -> set[str]:
        try:
            return set(await (await self._client()).list_topics())
        except Exception:
            # A broken connection is rebuilt on the next call.
            await self.close()
            raise

    async def ensure(self) -> list[str]:
        """Create the missing topics with their partition counts; return the ones created."""
        existing = await self._existing()
        missing = [
            NewTopic(name, num_partitions=count, replication_factor=1)
            for name, count in self._partitions.items()
            if name not in existing
        ]
        if not missing:
            return []
        try:
            await (await self._client()).create_topics(missing)
        except TopicAlreadyExistsError:
            log.info("topics already created concurrently")
        created = [topic.name for topic in missing]
        log.info("topics ensured", created=created, total=len(self._partitions))
        return created

    async def missing(self, names: Iterable[str]) -> list[str]:
        """Return which of the topics the broker does not have."""
        existing = await self._existing()
        return sorted(set(names) - existing)

    async def close(self) -> None:
        """Close the admin client."""
        if self._admin is not None:
            admin, self._admin = self._admin, None
            with contextlib.suppress(Exception):
                await admin.close()

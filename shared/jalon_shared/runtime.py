"""Wiring every service repeats: clients, broker, outbox relay, consumers, app lifespan.

A service's composition root calls these; nothing here is created at import time.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import structlog
import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI
from faststream.kafka import KafkaBroker

from jalon_shared.admin import admin_router
from jalon_shared.auth import TokenVerifier
from jalon_shared.events import topics
from jalon_shared.events.envelope import Event
from jalon_shared.events.registry import REGISTRY
from jalon_shared.http import RawBodyRoute, asyncapi_router, health_router, install_common
from jalon_shared.logging import configure_logging
from jalon_shared.messaging.asyncapi import ServiceMessaging, build_document, render_html
from jalon_shared.messaging.broker import TopicGuard, create_broker, create_producer
from jalon_shared.messaging.consumer import (
    ApplierFactory,
    DeadLetters,
    EventHandler,
    IdempotentConsumer,
    per_event,
    subscribe,
)
from jalon_shared.messaging.outbox import KafkaRecordPublisher, Outbox, OutboxRelay
from jalon_shared.mongo import Client, CommandCounter, Database, create_client, ping
from jalon_shared.settings import ServiceSettings

log = structlog.get_logger(__name__)

Hook = Callable[[], Awaitable[None]]

#: Version of every service's HTTP and event API documents.
API_VERSION = "1.0.0"


@dataclass
class Infrastructure:
    """The clients one service process owns, built once in its composition root."""

    settings: ServiceSettings
    client: Client
    database: Database
    broker: KafkaBroker
    producer: AIOKafkaProducer
    outbox: Outbox
    relay: OutboxRelay
    commands: CommandCounter
    consumers: list[IdempotentConsumer] = field(default_factory=list)
    #: Declared publications and consumer groups, by topic and by group; the AsyncAPI source.
    publications: dict[str, list[type[Event]]] = field(default_factory=dict)
    subscriptions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _started: bool = False

    @classmethod
    def build(cls, settings: ServiceSettings) -> Infrastructure:
        """Build (but do not start) the clients from settings."""
        commands = CommandCounter()
        client = create_client(settings.mongo, counter=commands)
        database = client[settings.database_name()]
        producer = create_producer(settings.kafka, client_id=f"{settings.service_name}-relay")
        outbox = Outbox(database)
        relay = OutboxRelay(
            outbox.collection,
            KafkaRecordPublisher(producer),
            batch_size=settings.outbox.batch_size,
            poll_interval=settings.outbox.poll_interval_ms / 1000,
            linger=settings.outbox.linger_ms / 1000,
            busy_batch=settings.outbox.busy_batch,
            retention=timedelta(days=settings.outbox.retention_days),
            topic_check=(
                TopicGuard(settings.kafka, topics.PARTITIONS)
                if settings.kafka.manage_topics
                else None
            ),
        )
        return cls(
            settings=settings,
            client=client,
            database=database,
            broker=create_broker(settings.kafka, client_id=settings.service_name),
            producer=producer,
            outbox=outbox,
            relay=relay,
            commands=commands,
        )

    def consume(
        self,
        name: str,
        topic_names: Sequence[str],
        handler: EventHandler,
    ) -> IdempotentConsumer:
        """Register an idempotent consumer group whose handler writes event by event."""
        return self.consume_batches(name, topic_names, per_event(handler))

    def consume_batches(
        self,
        name: str,
        topic_names: Sequence[str],
        applier: ApplierFactory,
    ) -> IdempotentConsumer:
        """Register an idempotent consumer group whose applier bulk-writes each batch."""
        consumer = IdempotentConsumer(
            name,
            self.client,
            self.database,
            applier,
            DeadLetters(self.producer, self.database, name),
            self.settings.consumer,
        )
        subscribe(self.broker, consumer, topic_names, self.settings.kafka)
        self.consumers.append(consumer)
        self.subscriptions[name] = tuple(topic_names)
        return consumer

    def document_publications(self, published: Mapping[str, Sequence[type[Event]]]) -> None:
        """Declare what the service publishes so its AsyncAPI document lists it."""
        for topic, events in published.items():
            for event in events:
                if REGISTRY.types.get(event.model_fields["event_type"].default) is not event:
                    raise ValueError(f"{event.__name__} is not a registered event contract")
                if topic != event.TOPIC:
                    raise ValueError(f"{event.__name__} is published to {event.TOPIC}, not {topic}")
                declared = self.publications.setdefault(topic, [])
                if event not in declared:
                    declared.append(event)

    def asyncapi(self, *, title: str, version: str, description: str) -> dict[str, Any]:
        """Return the service's AsyncAPI document from what it publishes and consumes."""
        return build_document(
            ServiceMessaging(self.publications, self.subscriptions),
            title=title,
            version=version,
            description=description,
            bootstrap_servers=self.settings.kafka.bootstrap_servers,
        )

    async def start(self) -> None:
        """Create indexes, connect to Kafka and start the consumers and the relay."""
        await self.outbox.ensure_indexes()
        retention = timedelta(days=self.settings.outbox.retention_days)
        for consumer in self.consumers:
            await consumer.ensure_indexes(retention)
        await self.producer.start()
        await self.broker.start()
        self.relay.start()
        self._started = True
        log.info("infrastructure started")

    async def stop(self) -> None:
        """Stop the relay, the consumers and the clients, in reverse order."""
        if self._started:
            await self.relay.stop()
            await self.broker.stop()
            await self.producer.stop()
            self._started = False
        await self.client.close()
        log.info("infrastructure stopped")

    async def kafka_ready(self) -> bool:
        """Return whether the broker answers."""
        return await self.broker.ping(timeout=2.0)

    async def mongo_ready(self) -> bool:
        """Return whether MongoDB answers."""
        return await ping(self.client)


def create_service_app(
    infra: Infrastructure,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    verifier: TokenVerifier,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
    raw_routes: Sequence[RawBodyRoute] = (),
) -> FastAPI:
    """Build the service's ASGI app, whose lifespan starts and stops the infrastructure."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        for hook in on_startup:
            await hook()
        await infra.start()
        tasks = [asyncio.create_task(job()) for job in background]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for hook in on_shutdown:
                await hook()
            await infra.stop()

    app = FastAPI(title=title, description=description, version=API_VERSION, lifespan=lifespan)
    app.state.token_verifier = verifier
    app.state.infra = infra
    install_common(app, json_api=True, raw_routes=raw_routes)

    def asyncapi_document() -> dict[str, Any]:
        # Built per request from the declarations, so it always shows the wiring as it is.
        return infra.asyncapi(title=title, version=API_VERSION, description=description)

    def asyncapi_json() -> str:
        return json.dumps(asyncapi_document())

    def asyncapi_html() -> str:
        return render_html(asyncapi_document())

    app.include_router(health_router({"mongo": infra.mongo_ready, "kafka": infra.kafka_ready}))
    app.include_router(asyncapi_router(asyncapi_json, asyncapi_html))
    app.include_router(admin_router(infra.relay, infra.commands))
    for router in routers:
        app.include_router(router)
    return app


def verifier_from(settings: ServiceSettings) -> TokenVerifier:
    """Build the token verifier from the auth settings."""
    return TokenVerifier(
        settings.auth.public_key(),
        issuer=settings.auth.issuer,
        audience=settings.auth.audience,
        leeway_seconds=settings.auth.leeway_seconds,
        service_public_key_pem=settings.auth.service_public_key(),
    )


def serve(app_factory: Callable[[ServiceSettings], FastAPI], settings: ServiceSettings) -> None:
    """Configure logging and serve the app until SIGINT or SIGTERM."""
    configure_logging(settings.service_name, settings.log_format, settings.log_level)

    async def run() -> None:
        # aiokafka clients bind to the running loop, so the app is built inside it.
        app = app_factory(settings)
        config = uvicorn.Config(
            app,
            host=settings.http_host,
            port=settings.http_port,
            log_config=None,
            access_log=False,
            lifespan="on",
        )
        await uvicorn.Server(config).serve()

    asyncio.run(run())

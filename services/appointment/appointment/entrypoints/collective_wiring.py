"""Wiring of collective sessions, for the composition root to call with its infrastructure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import NamedTuple

import structlog
from fastapi import APIRouter

from appointment.adapters.collective import (
    CollectiveCollections,
    MongoCollectiveDirectory,
    MongoCollectiveQueries,
    MongoCollectiveUnitOfWork,
)
from appointment.application.erase_collective_registrations import (
    erase_collective_registrations,
)
from appointment.entrypoints.collective_http import (
    SERVICE,
    CollectiveDeps,
    build_collective_router,
)
from jalon_shared.directory.store import Directory
from jalon_shared.events import topics
from jalon_shared.events.appointment import CollectiveSessionRegistered
from jalon_shared.events.envelope import Event, EventMeta, utc_now
from jalon_shared.events.intake import BeneficiaryErased
from jalon_shared.mongo import Session
from jalon_shared.runtime import Hook, Infrastructure

log = structlog.get_logger(__name__)


class CollectiveWiring(NamedTuple):
    """The routes, the start-up hooks, and the erasure step for the erasure consumer."""

    router: APIRouter
    on_startup: list[Hook]
    #: Deletes an erased person's registrations inside the consumer's transaction (other
    #: events of the topic are ignored); returns how many went.
    erase: Callable[[Event, Session], Awaitable[int]]


def build_collective(
    infra: Infrastructure,
    directory: Directory,
    *,
    clock: Callable[[], datetime] = utc_now,
    on_notices: Callable[[], None] = lambda: None,
) -> CollectiveWiring:
    """Build the collective sessions' storage, routes and erasure step on the infrastructure."""
    collections = CollectiveCollections(infra.database)
    uow = MongoCollectiveUnitOfWork(
        infra.client, collections, infra.outbox, infra.relay, clock, on_notices
    )
    deps = CollectiveDeps(
        uow=uow,
        queries=MongoCollectiveQueries(collections),
        directory=MongoCollectiveDirectory(collections, directory),
        clock=clock,
    )
    infra.document_publications({topics.APPOINTMENT: [CollectiveSessionRegistered]})

    async def erase(event: Event, session: Session) -> int:
        if not isinstance(event, BeneficiaryErased):
            return 0
        meta = EventMeta(
            correlation_id=event.correlation_id,
            causation_id=str(event.event_id),
            producer=SERVICE,
        )
        erased = await erase_collective_registrations(
            event.beneficiary_id, uow=uow.joining(session), clock=clock, meta=meta
        )
        log.info("collective registrations erased", count=erased)
        return erased

    return CollectiveWiring(
        router=build_collective_router(deps),
        on_startup=[collections.ensure_indexes],
        erase=erase,
    )

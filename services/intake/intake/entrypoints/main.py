"""Intake's composition root: the one place its dependencies are built."""

from __future__ import annotations

import asyncio

import structlog
from fastapi import FastAPI

from intake.adapters.mongo import (
    IntakeCollections,
    MongoIntakeQueries,
    MongoPurger,
    MongoUnitOfWork,
    ReferenceCache,
)
from intake.application.purge_expired import purge_expired
from intake.application.record_call import record_call
from intake.application.track_case_activity import track_case_activity
from intake.entrypoints.http import IntakeDeps, build_router
from jalon_shared.events import topics
from jalon_shared.events.envelope import Event, utc_now
from jalon_shared.events.intake import (
    BeneficiaryErased,
    CaseClosed,
    CaseOpened,
    CaseReassigned,
    CounsellorRegistered,
    CounsellorUpdated,
    RegionRegistered,
    RequestSubmitted,
    ServiceLevelChanged,
)
from jalon_shared.mongo import Session
from jalon_shared.runtime import Infrastructure, create_service_app, serve, verifier_from
from jalon_shared.settings import DEV_PORTS, ServiceSettings

log = structlog.get_logger(__name__)

#: TTL indexes purge on their own; the sweep also covers servers whose TTL monitor lags.
RETENTION_SWEEP_SECONDS = 3600
#: How long another replica's change to regions or counsellors may take to show here.
REFERENCE_TTL_SECONDS = 5.0


class IntakeSettings(ServiceSettings):
    """Intake's settings, with its defaults."""

    service_name: str = "intake"
    http_port: int = DEV_PORTS["intake"]


def build_app(settings: ServiceSettings) -> FastAPI:
    """Wire intake's adapters, use cases and routes."""
    infra = Infrastructure.build(settings)
    collections = IntakeCollections(infra.database)
    reference = ReferenceCache(collections, ttl_seconds=REFERENCE_TTL_SECONDS)
    uow = MongoUnitOfWork(infra.client, collections, infra.outbox, infra.relay, reference)
    purger = MongoPurger(collections)

    async def on_activity(event: Event, session: Session) -> None:
        # Runs inside the consumer's transaction, next to its processed-event marker.
        await track_case_activity(event, uow.transaction(session))

    infra.consume("intake.case-activity", [topics.APPOINTMENT, topics.DOCUMENT], on_activity)

    async def on_call(event: Event, session: Session) -> None:
        # Runs inside the consumer's transaction, next to its processed-event marker.
        await record_call(event, uow.transaction(session))

    infra.consume("intake.calls", [topics.SESSION], on_call)

    async def sweep_retention() -> None:
        while True:
            purged = await purge_expired(purger, utc_now)
            log.info("retention sweep done", **purged)
            await asyncio.sleep(RETENTION_SWEEP_SECONDS)

    infra.document_publications(
        {
            topics.INTAKE_REQUEST: [RequestSubmitted],
            topics.INTAKE_CASE: [CaseOpened, CaseReassigned, ServiceLevelChanged, CaseClosed],
            topics.INTAKE_BENEFICIARY: [BeneficiaryErased],
            topics.INTAKE_STAFF: [CounsellorRegistered, CounsellorUpdated, RegionRegistered],
        }
    )
    return create_service_app(
        infra,
        title="Jalon intake",
        description="CEP requests, triage, cases and caseload assignment.",
        routers=[
            build_router(
                IntakeDeps(
                    uow=uow, queries=MongoIntakeQueries(collections, reference), clock=utc_now
                )
            )
        ],
        verifier=verifier_from(settings),
        on_startup=[collections.ensure_indexes],
        on_shutdown=[uow.close],
        background=[sweep_retention],
    )


def main() -> None:
    """Run intake."""
    serve(build_app, IntakeSettings())

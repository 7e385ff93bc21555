"""Intake's composition root: the one place its dependencies are built."""

from __future__ import annotations

from fastapi import FastAPI

from intake.adapters.mongo import IntakeCollections, MongoUnitOfWork
from intake.entrypoints.http import IntakeDeps, build_router
from jalon_shared.events import topics
from jalon_shared.events.envelope import utc_now
from jalon_shared.events.intake import (
    BeneficiaryErased,
    CaseClosed,
    CaseOpened,
    CaseReassigned,
    CounsellorRegistered,
    CounsellorUpdated,
    RequestSubmitted,
    ServiceLevelChanged,
)
from jalon_shared.runtime import Infrastructure, create_service_app, serve, verifier_from
from jalon_shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    """Intake's settings, with its defaults."""

    service_name: str = "intake"
    http_port: int = 8101


def build_app(settings: ServiceSettings) -> FastAPI:
    """Wire intake's adapters, use cases and routes."""
    infra = Infrastructure.build(settings)
    collections = IntakeCollections(infra.database)
    uow = MongoUnitOfWork(infra.client, collections, infra.outbox, infra.relay)
    infra.document_publications(
        {
            topics.INTAKE_REQUEST: [RequestSubmitted],
            topics.INTAKE_CASE: [CaseOpened, CaseReassigned, ServiceLevelChanged, CaseClosed],
            topics.INTAKE_BENEFICIARY: [BeneficiaryErased],
            topics.INTAKE_STAFF: [CounsellorRegistered, CounsellorUpdated],
        }
    )
    return create_service_app(
        infra,
        title="Jalon intake",
        description="CEP requests, triage, cases and caseload assignment.",
        routers=[build_router(IntakeDeps(uow=uow, clock=utc_now))],
        verifier=verifier_from(settings),
        on_startup=[collections.ensure_indexes],
    )


def main() -> None:
    """Run intake."""
    serve(build_app, IntakeSettings())

"""Reporting's composition root: the one place its dependencies are built."""

from __future__ import annotations

from fastapi import FastAPI

from jalon_shared.events import topics
from jalon_shared.mongo import Session
from jalon_shared.runtime import Infrastructure, create_service_app, serve, verifier_from
from jalon_shared.settings import DEV_PORTS, ServiceSettings
from reporting.adapters.mongo import (
    MongoActivityQueries,
    MongoReadModel,
    MongoReadModelFacts,
    ReportingCollections,
)
from reporting.application.project_intake_event import IntakeProjection
from reporting.entrypoints.http import build_router


class ReportingSettings(ServiceSettings):
    """Reporting's settings, with its defaults."""

    service_name: str = "reporting"
    http_port: int = DEV_PORTS["reporting"]


def build_app(settings: ServiceSettings) -> FastAPI:
    """Wire reporting's consumers, read model and routes."""
    infra = Infrastructure.build(settings)
    collections = ReportingCollections(infra.database)

    def intake_projection(session: Session) -> IntakeProjection:
        return IntakeProjection(MongoReadModel(collections, session))

    consumer = infra.consume_batches(
        "reporting.intake-activity",
        [topics.INTAKE_REQUEST, topics.INTAKE_CASE],
        intake_projection,
    )
    return create_service_app(
        infra,
        title="Jalon reporting",
        description="Read models built from events; regional activity, small cells suppressed.",
        routers=[
            build_router(
                MongoActivityQueries(collections), MongoReadModelFacts(collections), consumer
            )
        ],
        verifier=verifier_from(settings),
        on_startup=[collections.ensure_indexes],
    )


def main() -> None:
    """Run reporting."""
    serve(build_app, ReportingSettings())

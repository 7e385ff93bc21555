"""Intake's composition root: the one place its dependencies are built."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import uuid
from datetime import timedelta

import structlog
from fastapi import FastAPI

from intake.adapters.follow_up_sender import FollowUpSender
from intake.adapters.follow_ups import MongoFollowUpQueue
from intake.adapters.links import SurveyLinkSigner
from intake.adapters.mailer import SmtpMailer
from intake.adapters.mongo import (
    IntakeCollections,
    MongoIntakeQueries,
    MongoPurger,
    MongoUnitOfWork,
    ReferenceCache,
)
from intake.application.purge_expired import purge_expired
from intake.application.record_call import record_call
from intake.application.send_follow_up import FollowUpSending
from intake.application.track_case_activity import track_case_activity
from intake.entrypoints.http import SERVICE, IntakeDeps, build_router
from intake.entrypoints.settings import SurveySettings
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
    SurveyAnswered,
    SurveyOffered,
)
from jalon_shared.links import SignedLinks
from jalon_shared.mongo import Session
from jalon_shared.runtime import Infrastructure, create_service_app, serve, verifier_from
from jalon_shared.settings import DEV_PORTS, ServiceSettings
from jalon_shared.smtp import SmtpRelay

log = structlog.get_logger(__name__)

#: TTL indexes purge on their own; the sweep also covers servers whose TTL monitor lags.
RETENTION_SWEEP_SECONDS = 3600
#: How long another replica's change to regions or counsellors may take to show here.
REFERENCE_TTL_SECONDS = 5.0


class IntakeSettings(ServiceSettings):
    """Intake's settings, with its defaults."""

    service_name: str = "intake"
    http_port: int = DEV_PORTS["intake"]
    surveys: SurveySettings = SurveySettings()


def owner_name(service: str) -> str:
    """Return this process's name on the leases it takes: host, pid and a random suffix."""
    return f"{service}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def link_secret(settings: SurveySettings) -> str:
    """Return the configured link secret, or one made for this process only."""
    if settings.link_secret is not None:
        return settings.link_secret.get_secret_value()
    log.warning("link secret made for this process only: set JALON_SURVEYS__LINK_SECRET")
    return secrets.token_urlsafe(48)


def build_follow_up_sender(
    settings: SurveySettings, collections: IntakeCollections, uow: MongoUnitOfWork, service: str
) -> FollowUpSender:
    """Return the background sender of the follow-up surveys' e-mails."""
    queue = MongoFollowUpQueue(collections, clock=utc_now)
    mailer = SmtpMailer(SmtpRelay.from_settings(settings))
    sending = FollowUpSending(
        queue=queue,
        uow=uow,
        mailer=mailer,
        links=SurveyLinkSigner(SignedLinks(link_secret(settings)), settings.web_url),
        clock=utc_now,
        owner=owner_name(service),
        lease=timedelta(seconds=settings.lease_seconds),
        producer=SERVICE,
    )
    return FollowUpSender(sending, queue, poll_interval=settings.poll_interval_ms / 1000)


def build_app(settings: ServiceSettings) -> FastAPI:
    """Wire intake's adapters, use cases and routes."""
    infra = Infrastructure.build(settings)
    # Tests and other services' suites build the app from plain settings, with no sections.
    surveys = settings.surveys if isinstance(settings, IntakeSettings) else SurveySettings()
    collections = IntakeCollections(infra.database)
    reference = ReferenceCache(collections, ttl_seconds=REFERENCE_TTL_SECONDS)
    uow = MongoUnitOfWork(infra.client, collections, infra.outbox, infra.relay, reference)
    purger = MongoPurger(collections)
    follow_ups = build_follow_up_sender(surveys, collections, uow, settings.service_name)

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
            topics.INTAKE_SURVEY: [SurveyOffered, SurveyAnswered],
        }
    )
    return create_service_app(
        infra,
        title="Jalon intake",
        description=(
            "CEP requests, triage, cases and caseload assignment, and the satisfaction surveys "
            "(end of each level, follow-up by e-mail) whose answers leave anonymously."
        ),
        routers=[
            build_router(
                IntakeDeps(
                    uow=uow,
                    queries=MongoIntakeQueries(collections, reference),
                    clock=utc_now,
                    follow_up_after=timedelta(days=surveys.follow_up_days),
                )
            )
        ],
        verifier=verifier_from(settings),
        on_startup=[collections.ensure_indexes],
        on_shutdown=[uow.close],
        background=[sweep_retention, follow_ups.run],
    )


def main() -> None:
    """Run intake."""
    serve(build_app, IntakeSettings())

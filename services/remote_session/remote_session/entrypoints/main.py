"""Remote session's composition root: the one place its dependencies are built."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI

from jalon_shared.auth import ServiceTokens
from jalon_shared.directory import directory_router, register_directory
from jalon_shared.events import topics
from jalon_shared.events.envelope import Event, utc_now
from jalon_shared.events.session import (
    SessionMessagePosted,
    SessionTaskAssigned,
    SessionTaskCompleted,
)
from jalon_shared.mongo import Session
from jalon_shared.runtime import Infrastructure, create_service_app, serve, verifier_from
from jalon_shared.settings import DEV_PORTS, ServiceSettings
from remote_session.adapters.contacts import HttpPeople
from remote_session.adapters.files import GridFsFiles
from remote_session.adapters.mailer import SmtpMailer
from remote_session.adapters.mongo import (
    MongoEraser,
    MongoSessionQueries,
    MongoUnitOfWork,
    SessionCollections,
)
from remote_session.application.erase_beneficiary import erase_beneficiary
from remote_session.application.ports import Clock
from remote_session.entrypoints.http import RAW_ROUTES, SessionDeps, build_router
from remote_session.entrypoints.settings import ThreadsSettings

#: The beneficiary's messages on the web front, which the new-message notice links to.
BENEFICIARY_MESSAGES_PATH = "/beneficiary/messages"

__all__ = ["RemoteSessionSettings", "ThreadsSettings", "build_app"]


class RemoteSessionSettings(ServiceSettings):
    """Settings with this service's defaults."""

    service_name: str = "remote_session"
    http_port: int = DEV_PORTS["remote_session"]
    threads: ThreadsSettings = ThreadsSettings()


def build_mailer(settings: ThreadsSettings) -> SmtpMailer:
    """Return the SMTP mailer for the new-message notice."""
    return SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_sender,
        messages_url=settings.web_url.rstrip("/") + BENEFICIARY_MESSAGES_PATH,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        timeout=settings.smtp_timeout_seconds,
    )


def build_app(
    settings: ServiceSettings, clock: Clock = utc_now, http: httpx.AsyncClient | None = None
) -> FastAPI:
    """Wire the directory copy, the threads and tasks, and erasure (tests may pass a client)."""
    infra = Infrastructure.build(settings)
    directory = register_directory(infra)
    collections = SessionCollections(infra.database)
    # A client passed in belongs to the caller, who closes it; one made here is closed here.
    closing: list[Callable[[], Awaitable[None]]] = []
    if http is None:
        http = httpx.AsyncClient(timeout=10)
        closing.append(http.aclose)
    # Tests and other services' suites build the app from plain settings, with no sections.
    options = settings.threads if isinstance(settings, RemoteSessionSettings) else ThreadsSettings()
    tokens = ServiceTokens(
        settings.auth.service_private_key(),
        service=settings.service_name,
        audience=settings.auth.audience,
    )
    eraser = MongoEraser(collections)

    async def on_erasure(event: Event, session: Session) -> None:
        # Runs inside the consumer's transaction, next to its processed-event marker.
        await erase_beneficiary(eraser, event, session)

    infra.consume(f"{settings.service_name}.erasure", [topics.INTAKE_BENEFICIARY], on_erasure)
    infra.document_publications(
        {topics.SESSION: [SessionMessagePosted, SessionTaskAssigned, SessionTaskCompleted]}
    )
    deps = SessionDeps(
        uow=MongoUnitOfWork(infra.client, collections, infra.outbox, infra.relay),
        queries=MongoSessionQueries(collections),
        directory=directory,
        files=GridFsFiles(infra.database),
        people=HttpPeople(http, options.intake_url, tokens),
        mailer=build_mailer(options),
        clock=clock,
    )
    return create_service_app(
        infra,
        title="Jalon remote session",
        description=(
            "The asynchronous work between sessions: each case's message thread with "
            "attachments and read receipts, and the tasks the counsellor assigns; it also "
            "keeps a copy of intake's staff directory and case ownership and answers "
            "case-access checks. WebRTC signalling, media relay and the call log are to come."
        ),
        routers=[build_router(deps), directory_router(directory)],
        verifier=verifier_from(settings),
        on_startup=[directory.ensure_indexes, collections.ensure_indexes],
        on_shutdown=closing,
        raw_routes=RAW_ROUTES,
    )


def main() -> None:
    """Run the service."""
    serve(build_app, RemoteSessionSettings())

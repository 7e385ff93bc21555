"""Document signature's composition root: the one place its dependencies are built."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable

import httpx
import structlog
from fastapi import FastAPI

from document_signature.adapters.contacts import HttpPeople
from document_signature.adapters.files import GridFsFiles
from document_signature.adapters.mailer import SmtpMailer
from document_signature.adapters.mongo import (
    MongoCaseDirectory,
    MongoEraser,
    MongoSignatureQueries,
    MongoUnitOfWork,
    SignatureCollections,
)
from document_signature.adapters.pdf import PdfRenderer
from document_signature.adapters.printing import SummaryPrinter
from document_signature.adapters.seal import PdfSealer
from document_signature.adapters.verify import PdfVerifier
from document_signature.application.erase_beneficiary import erase_beneficiary
from document_signature.application.expire_summaries import expire_summaries
from document_signature.application.ports import (
    Clock,
    Mailer,
    People,
    SignatureQueries,
    UnitOfWork,
)
from document_signature.application.sealing import SigningTools
from document_signature.entrypoints.http import RAW_ROUTES, SignatureDeps, build_router
from document_signature.entrypoints.settings import DocumentsSettings, SigningSettings
from jalon_shared.auth import ServiceTokens
from jalon_shared.directory import directory_router, register_directory
from jalon_shared.events import topics
from jalon_shared.events.document import (
    DocumentDeclined,
    DocumentDelivered,
    DocumentExpired,
    DocumentShared,
    DocumentSigned,
    DocumentSubmittedForSignature,
)
from jalon_shared.events.envelope import Event, EventMeta, utc_now
from jalon_shared.mongo import Session
from jalon_shared.runtime import Infrastructure, create_service_app, serve, verifier_from
from jalon_shared.settings import DEV_PORTS, ServiceSettings
from jalon_shared.smtp import SmtpRelay

log = structlog.get_logger(__name__)

#: The beneficiary's space on the web front, which the reminder links to.
BENEFICIARY_SPACE_PATH = "/beneficiary"

__all__ = ["DocumentSignatureSettings", "DocumentsSettings", "SigningSettings", "build_app"]


class DocumentSignatureSettings(ServiceSettings):
    """Settings with this service's defaults."""

    service_name: str = "document_signature"
    http_port: int = DEV_PORTS["document_signature"]
    signing: SigningSettings = SigningSettings()
    documents: DocumentsSettings = DocumentsSettings()


class ExpirySweeper:
    """Expires summaries past their window and sends the reminders, every interval."""

    def __init__(
        self,
        uow: UnitOfWork,
        queries: SignatureQueries,
        people: People,
        mailer: Mailer,
        clock: Clock,
        *,
        interval: float,
        producer: str,
    ) -> None:
        self._uow = uow
        self._queries = queries
        self._people = people
        self._mailer = mailer
        self._clock = clock
        self._interval = interval
        self._producer = producer

    async def sweep(self) -> None:
        """Run one sweep now."""
        meta = EventMeta(correlation_id=f"sweep-{secrets.token_hex(8)}", producer=self._producer)
        await expire_summaries(
            self._uow, self._queries, self._people, self._mailer, now=self._clock(), meta=meta
        )

    async def run(self) -> None:
        """Sweep until cancelled; a failed sweep is logged and the next one tries again."""
        while True:
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("signature sweep failed")
            await asyncio.sleep(self._interval)


def build_sealer(settings: SigningSettings) -> PdfSealer | None:
    """Load the seal's key once, or return None (signing answers 503) when none is set."""
    if settings.key_file is None or settings.cert_file is None:
        log.warning("no seal key configured: set JALON_SIGNING__KEY_FILE and __CERT_FILE")
        return None
    return PdfSealer.from_files(
        settings.key_file,
        settings.cert_file,
        settings.chain_files,
        timestamp_url=settings.timestamp_url,
    )


def code_key(settings: DocumentsSettings) -> bytes:
    """Return the configured code key, or one made for this process only."""
    if settings.code_secret is not None:
        return settings.code_secret.get_secret_value().encode()
    log.warning("code key made for this process only: set JALON_DOCUMENTS__CODE_SECRET")
    return secrets.token_bytes(32)


def build_mailer(settings: DocumentsSettings) -> SmtpMailer:
    """Return the SMTP mailer for codes and reminders."""
    return SmtpMailer(
        SmtpRelay.from_settings(settings),
        space_url=settings.web_url.rstrip("/") + BENEFICIARY_SPACE_PATH,
    )


def build_app(
    settings: ServiceSettings, clock: Clock = utc_now, http: httpx.AsyncClient | None = None
) -> FastAPI:
    """Wire the adapters, use cases, consumers and routes (tests may pass a clock and a client)."""
    infra = Infrastructure.build(settings)
    directory = register_directory(infra)
    collections = SignatureCollections(infra.database)
    # A client passed in belongs to the caller, who closes it; one made here is closed here.
    closing: list[Callable[[], Awaitable[None]]] = []
    if http is None:
        http = httpx.AsyncClient(timeout=10)
        closing.append(http.aclose)
    # Tests and other services' suites build the app from plain settings, with no sections.
    own = settings if isinstance(settings, DocumentSignatureSettings) else None
    signing = own.signing if own else SigningSettings()
    options = own.documents if own else DocumentsSettings()
    tokens = ServiceTokens(
        settings.auth.service_private_key(),
        service=settings.service_name,
        audience=settings.auth.audience,
    )
    uow = MongoUnitOfWork(infra.client, collections, infra.outbox, infra.relay)
    queries = MongoSignatureQueries(collections)
    cases = MongoCaseDirectory(collections)
    people = HttpPeople(http, options.intake_url, tokens)
    mailer = build_mailer(options)
    tools = SigningTools(
        pdf=SummaryPrinter(PdfRenderer()),
        sealer=build_sealer(signing),
        files=GridFsFiles(infra.database),
        people=people,
        directory=cases,
        location=options.seal_location,
    )
    eraser = MongoEraser(collections)
    sweeper = ExpirySweeper(
        uow,
        queries,
        people,
        mailer,
        clock,
        interval=options.sweep_interval_seconds,
        producer=settings.service_name,
    )

    async def on_erasure(event: Event, session: Session) -> None:
        # Runs inside the consumer's transaction, next to its processed-event marker.
        await erase_beneficiary(eraser, event, session)

    infra.consume(f"{settings.service_name}.erasure", [topics.INTAKE_BENEFICIARY], on_erasure)
    infra.document_publications(
        {
            topics.DOCUMENT: [
                DocumentSubmittedForSignature,
                DocumentSigned,
                DocumentDeclined,
                DocumentExpired,
                DocumentDelivered,
                DocumentShared,
            ]
        }
    )
    deps = SignatureDeps(
        uow=uow,
        queries=queries,
        tools=tools,
        mailer=mailer,
        verifier=PdfVerifier.from_files(signing.trust_root_files),
        clock=clock,
        code_key=code_key(options),
    )
    return create_service_app(
        infra,
        title="Jalon document signature",
        description=(
            "Guidance summaries co-written by counsellor and beneficiary, signed with a one-time "
            "code by e-mail (or in person, or on paper), sealed PAdES with the organisation's "
            "key, with a hash-chained evidence file; the beneficiary's document space with "
            "time-limited shares; public verification of a sealed PDF."
        ),
        routers=[build_router(deps), directory_router(directory)],
        verifier=verifier_from(settings),
        on_startup=[directory.ensure_indexes, collections.ensure_indexes],
        on_shutdown=closing,
        background=[sweeper.run],
        raw_routes=RAW_ROUTES,
    )


def main() -> None:
    """Run the service."""
    serve(build_app, DocumentSignatureSettings())

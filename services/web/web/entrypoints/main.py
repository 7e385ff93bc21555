"""The web front's composition root: the one place its dependencies are built."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import structlog
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI
from pydantic import BaseModel, Field, SecretStr

from jalon_shared.auth import TokenIssuer, TokenVerifier
from jalon_shared.events.envelope import utc_now
from jalon_shared.links import SignedLinks
from jalon_shared.mongo import create_client
from jalon_shared.runtime import Infrastructure, serve
from jalon_shared.settings import DEV_PORTS, ServiceSettings, dev_url
from jalon_shared.smtp import SmtpRelay
from web.adapters.appointments import HttpAppointmentApi
from web.adapters.collective import HttpCollectiveApi
from web.adapters.documents import HttpDocumentApi
from web.adapters.mailer import SmtpMailer
from web.adapters.mongo import MongoAccountStore, MongoRateLimiter, MongoRevocations
from web.adapters.rooms import HttpRoomsApi
from web.adapters.security import Argon2Hasher
from web.adapters.services import HttpIntakeApi, HttpReportingApi, ServiceClient
from web.adapters.sessions import HttpSessionApi
from web.adapters.surveys import HttpSurveyApi
from web.application.limits import SignInLimits
from web.application.seed_accounts import StaffSeed, seed_accounts
from web.domain.accounts import BeneficiaryAccount
from web.domain.rate_limits import Limit
from web.entrypoints.app import create_web_app
from web.entrypoints.deps import WebDeps
from web.entrypoints.subscribers import subscribe_erasures

log = structlog.get_logger(__name__)


class RateLimitOptions(BaseModel):
    """Sign-in tries allowed per window (JALON_WEB__RATE_LIMITS__*)."""

    window_seconds: int = Field(default=900, ge=1)
    password_per_account: int = Field(default=5, ge=1)
    password_per_address: int = Field(default=20, ge=1)
    code_per_email: int = Field(default=5, ge=1)
    code_per_address: int = Field(default=20, ge=1)

    def limits(self) -> SignInLimits:
        """Return the limits the use cases apply."""
        window = timedelta(seconds=self.window_seconds)
        return SignInLimits(
            password_per_account=Limit("password-account", self.password_per_account, window),
            password_per_address=Limit("password-address", self.password_per_address, window),
            code_per_email=Limit("code-email", self.code_per_email, window),
            code_per_address=Limit("code-address", self.code_per_address, window),
        )


class WebOptions(BaseModel):
    """The web front's own settings."""

    private_key_file: Path | None = None
    private_key_pem: str | None = None
    intake_url: str = dev_url("intake")
    reporting_url: str = dev_url("reporting")
    appointment_url: str = dev_url("appointment")
    document_signature_url: str = dev_url("document_signature")
    remote_session_url: str = dev_url("remote_session")
    #: The remote-session service's ws:// or wss:// base URL as browsers reach it (signalling).
    signalling_url: str = f"ws://127.0.0.1:{DEV_PORTS['remote_session']}"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_sender: str = "Jalon <no-reply@jalon.invalid>"
    smtp_timeout_seconds: float = Field(default=5, gt=0)
    #: The dev mailbox page, linked from the code page; leave unset outside dev.
    dev_mailbox_url: str | None = None
    secure_cookies: bool = False
    #: Origins the front is reached at besides its Host (e.g. https://jalon.example behind TLS).
    public_origins: tuple[str, ...] = ()
    rate_limits: RateLimitOptions = RateLimitOptions()
    #: Verifies the links in messages: appointment's, and intake's follow-up survey (they share
    #: this secret). Unset, the link pages answer 503 and people sign in to act instead.
    link_secret: SecretStr | None = None

    def private_key(self) -> str:
        """Return the signing key PEM."""
        if self.private_key_pem:
            return self.private_key_pem
        if self.private_key_file is None:
            raise ValueError(
                "JALON_WEB__PRIVATE_KEY_FILE or JALON_WEB__PRIVATE_KEY_PEM is required"
            )
        return self.private_key_file.read_text(encoding="utf-8")


class WebSettings(ServiceSettings):
    """The web front's settings, with its defaults."""

    service_name: str = "web"
    http_port: int = DEV_PORTS["web"]
    web: WebOptions = WebOptions()


def public_key_of(private_pem: str) -> str:
    """Derive the verification key from the signing key."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def form_key_of(private_pem: str) -> bytes:
    """Derive the form-token key from the signing key, so every replica shares it."""
    return hashlib.sha256(b"jalon-web form tokens\x00" + private_pem.encode()).digest()


def build_app(settings: WebSettings) -> FastAPI:
    """Wire the stores, the service APIs, the erasure consumer and the pages."""
    options = settings.web
    private_pem = options.private_key()
    infra = Infrastructure.build(settings)
    accounts = MongoAccountStore(infra.database)
    limiter = MongoRateLimiter(infra.database)
    revocations = MongoRevocations(infra.database)
    http = httpx.AsyncClient(timeout=10)
    subscribe_erasures(infra, infra.database, utc_now)
    deps = WebDeps(
        accounts=accounts,
        hasher=Argon2Hasher(),
        mailer=SmtpMailer(
            SmtpRelay(
                options.smtp_host,
                options.smtp_port,
                options.smtp_sender,
                timeout=options.smtp_timeout_seconds,
            )
        ),
        clock=utc_now,
        issuer=TokenIssuer(
            private_pem, issuer=settings.auth.issuer, audience=settings.auth.audience
        ),
        verifier=TokenVerifier(
            public_key_of(private_pem),
            issuer=settings.auth.issuer,
            audience=settings.auth.audience,
            leeway_seconds=settings.auth.leeway_seconds,
        ),
        intake=HttpIntakeApi(ServiceClient(http, options.intake_url, "intake")),
        reporting=HttpReportingApi(ServiceClient(http, options.reporting_url, "reporting")),
        limiter=limiter,
        limits=options.rate_limits.limits(),
        revocations=revocations,
        form_key=form_key_of(private_pem),
        secure_cookies=options.secure_cookies,
        dev_mailbox_url=options.dev_mailbox_url,
        appointments=HttpAppointmentApi(
            ServiceClient(http, options.appointment_url, "appointment")
        ),
        collective=HttpCollectiveApi(ServiceClient(http, options.appointment_url, "appointment")),
        links=None
        if options.link_secret is None
        else SignedLinks(options.link_secret.get_secret_value()),
        documents=HttpDocumentApi(
            ServiceClient(http, options.document_signature_url, "document_signature")
        ),
        sessions=HttpSessionApi(ServiceClient(http, options.remote_session_url, "remote_session")),
        rooms=HttpRoomsApi(ServiceClient(http, options.remote_session_url, "remote_session")),
        signalling_url=options.signalling_url,
        surveys=HttpSurveyApi(ServiceClient(http, options.intake_url, "intake")),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await accounts.ensure_indexes()
        await limiter.ensure_indexes()
        await revocations.ensure_indexes()
        await infra.start()
        try:
            yield
        finally:
            await http.aclose()
            await infra.stop()

    return create_web_app(
        deps,
        public_origins=options.public_origins,
        readiness={"mongo": infra.mongo_ready, "kafka": infra.kafka_ready},
        lifespan=lifespan,
    )


async def seed(
    settings: WebSettings,
    staff: Iterable[StaffSeed],
    beneficiaries: Iterable[BeneficiaryAccount],
    password: str,
) -> int:
    """Create the given accounts in the front's store (the caller owns the data); count them."""
    client = create_client(settings.mongo)
    try:
        accounts = MongoAccountStore(client[settings.database_name()])
        return await seed_accounts(
            staff, beneficiaries, password, accounts=accounts, hasher=Argon2Hasher()
        )
    finally:
        await client.close()


def main() -> None:
    """Run the web front."""
    settings = WebSettings()
    serve(lambda _: build_app(settings), settings)

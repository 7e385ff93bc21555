"""The web front's composition root: the one place its dependencies are built."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import structlog
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI
from pydantic import BaseModel

from jalon_shared.auth import TokenIssuer, TokenVerifier
from jalon_shared.events.envelope import utc_now
from jalon_shared.http import health_router, install_common
from jalon_shared.mongo import create_client, ping
from jalon_shared.runtime import serve
from jalon_shared.settings import DEV_PORTS, ServiceSettings, dev_url
from web.adapters.mailer import SmtpMailer
from web.adapters.mongo import MongoAccountStore
from web.adapters.security import Argon2Hasher
from web.adapters.services import ServiceClient
from web.application.seed_demo_accounts import seed_demo_accounts
from web.entrypoints.http import WebDeps, build_router, page_headers

log = structlog.get_logger(__name__)


class WebOptions(BaseModel):
    """The web front's own settings."""

    private_key_file: Path | None = None
    private_key_pem: str | None = None
    intake_url: str = dev_url("intake")
    reporting_url: str = dev_url("reporting")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_sender: str = "Jalon <no-reply@jalon.invalid>"
    dev_show_codes: bool = False
    seed_demo: bool = False
    secure_cookies: bool = False

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


def build_app(settings: WebSettings) -> FastAPI:
    """Wire the account store, the service clients and the pages."""
    options = settings.web
    private_pem = options.private_key()
    client = create_client(settings.mongo)
    accounts = MongoAccountStore(client[settings.database_name()])
    hasher = Argon2Hasher()
    http = httpx.AsyncClient(timeout=10)
    deps = WebDeps(
        accounts=accounts,
        hasher=hasher,
        mailer=SmtpMailer(options.smtp_host, options.smtp_port, options.smtp_sender),
        clock=utc_now,
        issuer=TokenIssuer(
            private_pem, issuer=settings.auth.issuer, audience=settings.auth.audience
        ),
        verifier=TokenVerifier(
            public_key_of(private_pem),
            issuer=settings.auth.issuer,
            audience=settings.auth.audience,
        ),
        intake=ServiceClient(http, options.intake_url),
        reporting=ServiceClient(http, options.reporting_url),
        dev_show_codes=options.dev_show_codes,
        secure_cookies=options.secure_cookies,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await accounts.ensure_indexes()
        if options.seed_demo:
            created = await seed_demo_accounts(accounts=accounts, hasher=hasher)
            log.info("demo accounts seeded", created=created)
        try:
            yield
        finally:
            await http.aclose()
            await client.close()

    async def mongo_ready() -> bool:
        return await ping(client)

    app = FastAPI(title="Jalon web", lifespan=lifespan, docs_url=None, redoc_url=None)
    install_common(app)
    app.middleware("http")(page_headers)
    app.include_router(health_router({"mongo": mongo_ready}))
    app.include_router(build_router(deps))
    return app


def main() -> None:
    """Run the web front."""
    settings = WebSettings()
    serve(lambda _: build_app(settings), settings)

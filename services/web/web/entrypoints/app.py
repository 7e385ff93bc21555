"""The web front's ASGI app: pages, error pages and browser protections around WebDeps."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

from jalon_shared.http import CorrelationMiddleware, ReadinessCheck, health_router
from web.entrypoints import (
    action_link,
    appointments_beneficiary,
    appointments_counsellor,
    appointments_manager,
    beneficiary,
    common,
    counsellor,
    documents_beneficiary,
    documents_counsellor,
    documents_public,
    manager,
    messages_beneficiary,
    session_pages,
    signin,
    surveys,
    work_counsellor,
)
from web.entrypoints.collective import router as collective_router
from web.entrypoints.deps import WebDeps
from web.entrypoints.errors import install_error_pages
from web.entrypoints.rooms import router as rooms_router
from web.entrypoints.security import BrowserGuard

TITLE = "Jalon web"
DESCRIPTION = "The personas' pages: sign-in, the beneficiary's space, caseloads, activity."


def create_web_app(
    deps: WebDeps,
    *,
    public_origins: tuple[str, ...] = (),
    readiness: dict[str, ReadinessCheck] | None = None,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
) -> FastAPI:
    """Return the front's app on the given dependencies (tests pass fakes)."""
    app = FastAPI(
        title=TITLE,
        description=DESCRIPTION,
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.web = deps
    # Links given to people outside Jalon (shares) are written with the public address.
    app.state.public_origins = public_origins
    app.add_middleware(BrowserGuard, public_origins=public_origins)
    app.add_middleware(CorrelationMiddleware)
    install_error_pages(app)
    app.include_router(health_router(readiness or {}))
    for module in (common, signin, beneficiary, counsellor, manager):
        app.include_router(module.router)
    for appointment_pages in (
        appointments_beneficiary,
        appointments_counsellor,
        appointments_manager,
        action_link,
    ):
        app.include_router(appointment_pages.router)
    app.include_router(collective_router)
    app.include_router(rooms_router)
    for document_pages in (documents_beneficiary, documents_counsellor, documents_public):
        app.include_router(document_pages.router)
    for work_pages in (messages_beneficiary, work_counsellor, session_pages):
        app.include_router(work_pages.router)
    app.include_router(surveys.router)
    return app

"""What the pages need, built once by the composition root and found on the app's state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from jalon_shared.auth import TokenIssuer, TokenVerifier
from jalon_shared.links import SignedLinks
from web.application.collective_ports import CollectiveApi
from web.application.document_ports import DocumentApi
from web.application.limits import SignInLimits
from web.application.ports import (
    AccountStore,
    AppointmentApi,
    Clock,
    Hasher,
    IntakeApi,
    Mailer,
    RateLimiter,
    ReportingApi,
    Revocations,
)
from web.application.room_ports import RoomsApi
from web.application.session_ports import SessionApi
from web.application.survey_ports import SurveyApi


@dataclass(frozen=True, slots=True)
class WebDeps:
    """The front's adapters and settings, as the routes use them."""

    accounts: AccountStore
    hasher: Hasher
    mailer: Mailer
    clock: Clock
    issuer: TokenIssuer
    verifier: TokenVerifier
    intake: IntakeApi
    reporting: ReportingApi
    limiter: RateLimiter
    limits: SignInLimits
    revocations: Revocations
    #: Keys the per-session form tokens; derived from the signing key, shared by replicas.
    form_key: bytes
    secure_cookies: bool
    #: Where the dev mailbox shows sent codes; only set in dev.
    dev_mailbox_url: str | None = None
    #: The appointment service's API; None leaves the appointment pages unavailable (503).
    appointments: AppointmentApi | None = None
    #: Collective sessions on the appointment service; None leaves their pages unavailable.
    collective: CollectiveApi | None = None
    #: Verifies the appointment links in messages; None leaves the link pages unavailable.
    links: SignedLinks | None = None
    #: The document-signature service's API; None leaves the document pages unavailable (503).
    documents: DocumentApi | None = None
    #: The remote-session service's threads, tasks and calls; None leaves their pages unavailable.
    sessions: SessionApi | None = None
    #: The remote-session service's rooms and pre-call check; None: the call pages answer 503.
    rooms: RoomsApi | None = None
    #: The remote-session service's browser-facing ws:// or wss:// base URL (signalling sockets).
    signalling_url: str = ""
    #: Intake's satisfaction surveys; None leaves the space without its card, the pages 503.
    surveys: SurveyApi | None = None


def web_deps(request: Request) -> WebDeps:
    """Return the dependencies the composition root put on the app."""
    deps: WebDeps = request.app.state.web
    return deps


Deps = Annotated[WebDeps, Depends(web_deps)]

"""Sessions: the cookie, who is signed in, and the `persona(Role.X)` page guard."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable

from fastapi import Request, status
from fastapi.responses import RedirectResponse

from jalon_shared.access import Principal, Role
from jalon_shared.auth import AuthError
from web.domain.sessions import SESSION_TTL, Session
from web.entrypoints.deps import WebDeps, web_deps

COOKIE = "jalon_session"
FORM_TOKEN = "form_token"  # noqa: S105 - a form field's name
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Each persona's space; its sign-in page is at <space>/sign-in.
SPACES = {
    Role.BENEFICIARY: "/beneficiary",
    Role.COUNSELLOR: "/counsellor",
    Role.MANAGER: "/manager",
}
SPACE_TITLES = {
    Role.BENEFICIARY: "Espace bénéficiaire",
    Role.COUNSELLOR: "Espace conseiller",
    Role.MANAGER: "Espace responsable régional",
}


class SignInRequiredError(Exception):
    """No valid session: the person is sent to this persona's sign-in page."""

    def __init__(self, role: Role) -> None:
        super().__init__(role.value)
        self.role = role


class WrongPersonaError(Exception):
    """Signed in, but as another persona."""

    def __init__(self, role: Role) -> None:
        super().__init__(role.value)
        self.role = role


class FormTokenError(Exception):
    """A form was posted without this session's token."""


async def current_session(request: Request) -> Session | None:
    """Return the signed-in session: a valid token, with an id, not revoked (cached per request)."""
    if hasattr(request.state, "session"):
        cached: Session | None = request.state.session
        return cached
    request.state.session = await _read_session(request, web_deps(request))
    return request.state.session  # type: ignore[no-any-return]


async def _read_session(request: Request, deps: WebDeps) -> Session | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        principal = deps.verifier.verify(token)
    except AuthError:
        return None
    # Only tokens with an id can be revoked, and this front never issues others.
    if not principal.jti or await deps.revocations.is_revoked(principal.jti, principal.sub):
        return None
    return Session(principal=principal, token=token)


def form_token(deps: WebDeps, session: Session) -> str:
    """Return the token this session's forms carry."""
    jti = session.principal.jti or ""
    return hmac.new(deps.form_key, jti.encode(), hashlib.sha256).hexdigest()


async def check_form_token(request: Request, session: Session) -> None:
    """Refuse a post that does not carry this session's form token."""
    form = await request.form()
    sent = form.get(FORM_TOKEN)
    expected = form_token(web_deps(request), session)
    if not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise FormTokenError


def persona(role: Role) -> Callable[[Request], Awaitable[Session]]:
    """Build the guard of a persona's pages: signed in, as this persona, forms with the token."""

    async def guard(request: Request) -> Session:
        session = await current_session(request)
        if session is None:
            raise SignInRequiredError(role)
        if session.principal.role is not role:
            raise WrongPersonaError(role)
        if request.method not in SAFE_METHODS:
            await check_form_token(request, session)
        return session

    return guard


def start_session(deps: WebDeps, principal: Principal, target: str) -> RedirectResponse:
    """Sign the person in with a fresh token in a strict, HTTP-only cookie, and go on."""
    token = deps.issuer.mint(
        principal.sub,
        principal.role,
        region=principal.region,
        site=principal.site,
        ttl=SESSION_TTL,
    )
    response = RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=deps.secure_cookies,
    )
    return response


def sign_in_page(role: Role) -> str:
    """Return the sign-in page of a persona."""
    return f"{SPACES[role]}/sign-in"

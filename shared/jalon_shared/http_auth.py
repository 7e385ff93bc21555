"""Bearer-token admission: the check the API middleware runs, and the route dependencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from jalon_shared.access import Principal, Role
from jalon_shared.auth import AuthError, TokenVerifier

#: Where the middleware leaves the verified caller for the route dependencies.
PRINCIPAL_SCOPE_KEY = "jalon.principal"
#: Routes anyone may call: probes, the API documents, and checking a sealed PDF's signature.
PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/openapi.json", "/docs", "/redoc", "/verify"})
#: Calendar feeds are read by calendar clients and share links by their recipients, who send no
#: bearer: the URL holds a secret.
PUBLIC_PREFIXES = ("/asyncapi", "/docs/", "/calendar/", "/shared/")
CHALLENGE = {"WWW-Authenticate": "Bearer"}
MISSING_TOKEN = "missing bearer token"  # noqa: S105 - a message, not a secret
INVALID_TOKEN = "invalid or expired token"  # noqa: S105 - a message, not a secret


class UnauthenticatedError(Exception):
    """The caller sent no bearer token, or one that does not verify."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def authenticate(authorization: str | None, verifier: TokenVerifier) -> Principal:
    """Return the caller an Authorization header names, or raise UnauthenticatedError."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthenticatedError(MISSING_TOKEN)
    try:
        return verifier.verify(token.strip())
    except AuthError as exc:
        raise UnauthenticatedError(INVALID_TOKEN) from exc


def is_public(path: str) -> bool:
    """Return whether a path is served without a token."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


async def current_principal(request: Request) -> Principal:
    """Return the caller the middleware admitted, or verify the token here when it did not run."""
    admitted = request.scope.get(PRINCIPAL_SCOPE_KEY)
    if isinstance(admitted, Principal):
        return admitted
    try:
        return authenticate(request.headers.get("authorization"), request.app.state.token_verifier)
    except UnauthenticatedError as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail=exc.detail, headers=CHALLENGE
        ) from exc


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """Build a dependency that admits only the given roles."""
    allowed = frozenset(roles)

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"role {principal.role.value} may not call this route",
            )
        return principal

    return dependency


def home_region(principal: Principal) -> str:
    """Return the region a staff token names, or answer 403 when it names none."""
    if principal.region is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="your token names no region")
    return principal.region

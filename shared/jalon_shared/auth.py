"""JWT (ES256) verification and the caller identity every route checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import Depends, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, ValidationError

from jalon_shared.events.envelope import utc_now

ALGORITHM = "ES256"


class Role(StrEnum):
    """Who a caller is."""

    BENEFICIARY = "beneficiary"
    COUNSELLOR = "counsellor"
    MANAGER = "manager"
    SERVICE = "service"


class Principal(BaseModel):
    """The verified caller of a request."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sub: str
    role: Role
    region: str | None = None
    site: str | None = None


class AuthError(Exception):
    """The token is missing, invalid or expired."""


class TokenVerifier:
    """Verifies tokens signed by the web front."""

    def __init__(
        self, public_key_pem: str, *, issuer: str, audience: str, leeway_seconds: int = 10
    ) -> None:
        self._key = serialization.load_pem_public_key(public_key_pem.encode())
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds

    def verify(self, token: str) -> Principal:
        """Return the principal of a valid token or raise AuthError."""
        try:
            claims = jwt.decode(
                token,
                self._key,  # type: ignore[arg-type]
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options={"require": ["sub", "exp", "iss", "aud"]},
            )
            return Principal.model_validate(claims)
        except (jwt.PyJWTError, ValidationError) as exc:
            raise AuthError(type(exc).__name__) from exc


class TokenIssuer:
    """Signs tokens; used by the web front, the dev token command and tests."""

    def __init__(self, private_key_pem: str, *, issuer: str, audience: str) -> None:
        self._key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        self._issuer = issuer
        self._audience = audience

    def mint(
        self,
        sub: str,
        role: Role,
        *,
        region: str | None = None,
        site: str | None = None,
        ttl: timedelta = timedelta(minutes=15),
    ) -> str:
        """Return a signed token for the given identity."""
        now = utc_now()
        claims: dict[str, Any] = {
            "sub": sub,
            "role": role.value,
            "region": region,
            "site": site,
            "iss": self._issuer,
            "aud": self._audience,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)  # type: ignore[arg-type]


def generate_key_pair() -> tuple[str, str]:
    """Return a new P-256 (private, public) PEM pair."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def may_access_case(
    principal: Principal, *, beneficiary_id: object, counsellor_id: str | None, region: str
) -> bool:
    """Apply the case rules: own case, own caseload, own region, or a service."""
    match principal.role:
        case Role.BENEFICIARY:
            return principal.sub == str(beneficiary_id)
        case Role.COUNSELLOR:
            return counsellor_id is not None and principal.sub == counsellor_id
        case Role.MANAGER:
            return principal.region == region
        case Role.SERVICE:
            return True
    return False


async def current_principal(request: Request) -> Principal:
    """Return the verified caller, or answer 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="missing bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return verifier.verify(token)
    except AuthError as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=f"invalid token: {exc}",
            headers={"WWW-Authenticate": "Bearer"},
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

"""JWT (ES256) tokens: signing (the web front) and verification (every service)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import ValidationError

from jalon_shared.access import Principal, Role
from jalon_shared.events.envelope import utc_now

ALGORITHM = "ES256"
#: Who signs service-to-service tokens: each calling service with the services' key, never the
#: web front's key, and a token from this issuer is admitted only with the service role.
SERVICE_ISSUER = "jalon-services"


class AuthError(Exception):
    """The token is missing, invalid or expired."""


class TokenVerifier:
    """Verifies tokens signed by the web front, and service tokens when a services key is set."""

    def __init__(
        self,
        public_key_pem: str,
        *,
        issuer: str,
        audience: str,
        leeway_seconds: int = 10,
        service_public_key_pem: str | None = None,
    ) -> None:
        self._key = serialization.load_pem_public_key(public_key_pem.encode())
        self._service_key = (
            serialization.load_pem_public_key(service_public_key_pem.encode())
            if service_public_key_pem
            else None
        )
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds

    def verify(self, token: str) -> Principal:
        """Return the principal of a valid token or raise AuthError."""
        try:
            # The unverified issuer only picks which key must verify the signature.
            claimed = jwt.decode(token, options={"verify_signature": False}).get("iss")
            from_services = claimed == SERVICE_ISSUER and self._service_key is not None
            claims = jwt.decode(
                token,
                self._service_key if from_services else self._key,  # type: ignore[arg-type]
                algorithms=[ALGORITHM],
                issuer=SERVICE_ISSUER if from_services else self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options={"require": ["sub", "exp", "iss", "aud"]},
            )
            principal = Principal.model_validate(claims)
        except (jwt.PyJWTError, ValidationError) as exc:
            raise AuthError(type(exc).__name__) from exc
        if from_services and principal.role is not Role.SERVICE:
            raise AuthError("ServiceKeyRoleError")
        return principal


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
            "jti": uuid.uuid4().hex,
            "exp": int((now + ttl).timestamp()),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)  # type: ignore[arg-type]


class ServiceTokens:
    """Mints this service's short-lived tokens for calls to other services, reusing each a while."""

    def __init__(self, private_key_pem: str, *, service: str, audience: str) -> None:
        self._issuer = TokenIssuer(private_key_pem, issuer=SERVICE_ISSUER, audience=audience)
        self._service = service
        self._token = ""
        self._renew_at = utc_now()

    def token(self) -> str:
        """Return a valid service token, minting a new one a minute before the last expires."""
        now = utc_now()
        if not self._token or now >= self._renew_at:
            self._token = self._issuer.mint(self._service, Role.SERVICE, ttl=timedelta(minutes=5))
            self._renew_at = now + timedelta(minutes=4)
        return self._token


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

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
            "jti": uuid.uuid4().hex,
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

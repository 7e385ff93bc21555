"""Call passes: what a call page holds to ask for new room tickets while the call lasts.

The session cookie lives 15 minutes and a join link opens one page, yet a call lasts longer and
must reconnect on its own. The page therefore holds a pass: signed by the front, naming one
person and one room (or the pre-call check), renewed with every ticket and expiring soon after
the page stops renewing it. A pass from a signed-in session dies when that session is signed out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

import jwt

from jalon_shared.access import Principal, Role
from jalon_shared.events.envelope import utc_now
from web.application.open_action_link import LINK_TOKEN_TTL, TokenMinter
from web.application.ports import Revocations
from web.domain.sessions import SESSION_TTL, Session

ALGORITHM = "HS256"
PURPOSE = "call-pass"
#: As long as a session: a revocation (kept that long) then outlives every pass it must stop.
PASS_TTL = SESSION_TTL
#: How often the page renews its pass while the call goes on without trouble.
RENEW_EVERY = timedelta(minutes=5)


class PassKind(StrEnum):
    """What a pass gets tickets for."""

    APPOINTMENT = "appointment"
    COLLECTIVE = "collective"
    CHECK = "check"


class InvalidPassError(Exception):
    """The pass is not one of ours, was altered, has expired, or its session was signed out."""


@dataclass(frozen=True, slots=True)
class CallPass:
    """Who asks for tickets, and for which room (none for the pre-call check)."""

    sub: str
    role: Role
    kind: PassKind
    target: UUID | None = None
    region: str | None = None
    site: str | None = None
    #: The signed-in session it came from, so signing out ends it; None for a join link.
    session_jti: str | None = None

    @classmethod
    def of(cls, session: Session, kind: PassKind, target: UUID | None = None) -> CallPass:
        """Return the pass of a session (signed in, or opened by a join link) for one room."""
        p = session.principal
        return cls(p.sub, p.role, kind, target, p.region, p.site, p.jti)


class CallPasses:
    """Signs and reads passes (HS256, with a key derived from the front's form key)."""

    def __init__(self, form_key: bytes, clock: Callable[[], datetime] = utc_now) -> None:
        # A key of its own: a pass must never pass for a form token, nor the reverse.
        self._key = hashlib.sha256(b"jalon-web call passes\x00" + form_key).digest()
        # Expiry is read against the real time by PyJWT, so it is written with the real time.
        self._clock = clock

    def sign(self, call_pass: CallPass) -> str:
        """Return the signed pass, valid PASS_TTL from now."""
        now = self._clock()
        claims = {
            "pur": PURPOSE,
            "sub": call_pass.sub,
            "role": call_pass.role.value,
            "kind": call_pass.kind.value,
            "target": str(call_pass.target) if call_pass.target else None,
            "region": call_pass.region,
            "site": call_pass.site,
            "sid": call_pass.session_jti,
            "exp": int((now + PASS_TTL).timestamp()),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def read(self, token: str) -> CallPass:
        """Return the pass a token carries, or raise InvalidPassError."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                options={"require": ["exp", "pur", "sub", "role", "kind"]},
            )
            if claims["pur"] != PURPOSE:
                raise InvalidPassError
            target = claims.get("target")
            return CallPass(
                sub=str(claims["sub"]),
                role=Role(claims["role"]),
                kind=PassKind(claims["kind"]),
                target=UUID(str(target)) if target else None,
                region=claims.get("region"),
                site=claims.get("site"),
                session_jti=claims.get("sid"),
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise InvalidPassError from exc


async def session_of_pass(
    call_pass: CallPass, *, issuer: TokenMinter, revocations: Revocations
) -> Session:
    """Return a page-long session for the pass's person; raise InvalidPassError once signed out.

    The services are called with a token of minutes, as for a message's link: the pass itself
    never reaches them.
    """
    # A join link has no session to sign out of, but an erasure revokes its subject all the same.
    if await revocations.is_revoked(call_pass.session_jti or "", call_pass.sub):
        raise InvalidPassError
    token = issuer.mint(
        call_pass.sub,
        call_pass.role,
        region=call_pass.region,
        site=call_pass.site,
        ttl=LINK_TOKEN_TTL,
    )
    principal = Principal(
        sub=call_pass.sub, role=call_pass.role, region=call_pass.region, site=call_pass.site
    )
    return Session(principal, token)

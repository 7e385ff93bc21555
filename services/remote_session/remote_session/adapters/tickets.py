"""The signalling tickets: short HS256 JWTs, as jalon_shared.links signs the action links.

A ticket says who joins which room as whom (or who runs a pre-call check), for two minutes. Its
expiry is checked against the service's clock, so tests can move time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import jwt

from jalon_shared.events.vocabulary import ParticipantRole
from jalon_shared.links import MIN_SECRET_BYTES
from remote_session.application.room_ports import (
    CheckTicket,
    IssuedTicket,
    RoomTicket,
    TicketError,
)

ALGORITHM = "HS256"
ROOM_PURPOSE = "room-ticket"
CHECK_PURPOSE = "check-ticket"
#: A display name in a ticket is short; anything longer is cut.
MAX_NAME_CHARS = 80


class JwtTickets:
    """Signs and verifies room and check tickets with one secret."""

    def __init__(self, secret: str, ttl: timedelta) -> None:
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"the ticket secret needs at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self._ttl = ttl

    def _sign(self, claims: dict[str, Any], now: datetime) -> IssuedTicket:
        expires_at = (now + self._ttl).astimezone(UTC).replace(microsecond=0)
        token = jwt.encode(
            {**claims, "exp": int(expires_at.timestamp()), "jti": uuid4().hex},
            self._secret,
            algorithm=ALGORITHM,
        )
        return IssuedTicket(token, expires_at)

    def room(
        self, room_id: UUID, participant_id: str, role: ParticipantRole, name: str, now: datetime
    ) -> IssuedTicket:
        """Return a ticket to join a room."""
        claims = {
            "pur": ROOM_PURPOSE,
            "room": str(room_id),
            "sub": participant_id,
            "role": role.value,
            "name": name[:MAX_NAME_CHARS],
        }
        return self._sign(claims, now)

    def check(self, participant_id: str, now: datetime) -> IssuedTicket:
        """Return a ticket for a pre-call check."""
        return self._sign({"pur": CHECK_PURPOSE, "sub": participant_id}, now)

    def _verify(
        self, token: str, purpose: str, now: datetime, required: list[str]
    ) -> dict[str, Any]:
        try:
            # Expiry is checked below against the service's clock, not the machine's.
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                options={"require": ["exp", "jti", "pur", "sub"], "verify_exp": False},
            )
        except jwt.PyJWTError as exc:
            raise TicketError("malformed_or_altered") from exc
        if claims.get("pur") != purpose:
            raise TicketError("wrong_purpose")
        if any(claim not in claims for claim in required):
            raise TicketError("malformed_or_altered")
        exp = claims.get("exp")
        if not isinstance(exp, int) or now.timestamp() >= exp:
            raise TicketError("expired")
        if not isinstance(claims.get("sub"), str) or not isinstance(claims.get("jti"), str):
            raise TicketError("malformed_or_altered")
        return claims

    def verify_room(self, token: str, now: datetime) -> RoomTicket:
        """Return a room ticket's claims, or raise TicketError."""
        claims = self._verify(token, ROOM_PURPOSE, now, ["room", "role", "name"])
        try:
            return RoomTicket(
                room_id=UUID(str(claims["room"])),
                participant_id=claims["sub"],
                role=ParticipantRole(claims["role"]),
                name=str(claims["name"]),
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
                ticket_id=claims["jti"],
            )
        except ValueError as exc:
            raise TicketError("malformed_or_altered") from exc

    def verify_check(self, token: str, now: datetime) -> CheckTicket:
        """Return a check ticket's claims, or raise TicketError."""
        claims = self._verify(token, CHECK_PURPOSE, now, [])
        return CheckTicket(
            participant_id=claims["sub"],
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            ticket_id=claims["jti"],
        )

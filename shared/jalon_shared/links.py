"""Signed action links: a beneficiary opens their appointment from a message without a password.

Appointment signs them into its messages; the web front verifies them on its link page.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import jwt

ALGORITHM = "HS256"
#: What the token is for, so a token signed with the same secret for anything else is refused.
PURPOSE = "appointment-action"
#: A link that joins a phone or video appointment's room: valid until the room closes.
JOIN_PURPOSE = "room-join"
#: A link to answer a satisfaction survey (intake signs it, `apt` carrying the survey id).
SURVEY_PURPOSE = "survey"
#: HS256 needs a key at least as long as its output (RFC 7518, 3.2).
MIN_SECRET_BYTES = 32


class LinkError(ValueError):
    """The link is not one of ours, was altered, or has expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid action link: {reason}")
        self.reason = reason


class SignedLinks:
    """Signs and verifies the links to an appointment's page (HS256 JWT, ids and expiry only)."""

    def __init__(self, secret: str, web_url: str = "") -> None:
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"the link secret needs at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self._web_url = web_url.rstrip("/")

    def token(
        self,
        appointment_id: UUID,
        beneficiary_id: UUID,
        expires_at: datetime,
        purpose: str = PURPOSE,
    ) -> str:
        """Return the compact signed token for an appointment and its beneficiary."""
        claims = {
            "apt": str(appointment_id),
            "ben": str(beneficiary_id),
            "pur": purpose,
            "exp": int(expires_at.timestamp()),
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def url(self, appointment_id: UUID, beneficiary_id: UUID, expires_at: datetime) -> str:
        """Return the web front's page for the appointment, with its token."""
        return f"{self._web_url}/rdv/{self.token(appointment_id, beneficiary_id, expires_at)}"

    def join_url(self, appointment_id: UUID, beneficiary_id: UUID, expires_at: datetime) -> str:
        """Return the web front's page that joins the appointment's room, with its token."""
        token = self.token(appointment_id, beneficiary_id, expires_at, JOIN_PURPOSE)
        return f"{self._web_url}/visio/{token}"

    def verify(self, token: str, purpose: str = PURPOSE) -> tuple[UUID, UUID]:
        """Return (appointment_id, beneficiary_id) of a valid token, or raise LinkError."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                options={"require": ["exp", "apt", "ben", "pur"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise LinkError("expired") from exc
        except jwt.PyJWTError as exc:
            raise LinkError("malformed_or_altered") from exc
        if claims.get("pur") != purpose:
            raise LinkError("wrong_purpose")
        try:
            return UUID(str(claims["apt"])), UUID(str(claims["ben"]))
        except ValueError as exc:
            raise LinkError("malformed_or_altered") from exc

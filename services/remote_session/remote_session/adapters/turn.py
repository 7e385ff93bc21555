"""The ICE servers a participant is given: STUN, and TURN with time-limited credentials.

TURN credentials follow the TURN REST scheme coturn takes with use-auth-secret: the username
is "expiry:participant" and the credential is the base64 HMAC-SHA1 of the username keyed with
the secret the TURN server shares, so the server checks them without asking this service.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime, timedelta

from remote_session.application.room_ports import IceServerInfo


def turn_credentials(
    secret: str, participant_id: str, now: datetime, ttl: timedelta
) -> tuple[str, str]:
    """Return (username, credential) valid for ttl from now."""
    expiry = int((now + ttl).timestamp())
    username = f"{expiry}:{participant_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


class IceConfig:
    """The configured STUN and TURN servers."""

    def __init__(
        self,
        stun_urls: Sequence[str] = (),
        turn_urls: Sequence[str] = (),
        turn_secret: str | None = None,
        turn_ttl: timedelta = timedelta(hours=1),
    ) -> None:
        self._stun = tuple(stun_urls)
        # TURN without a shared secret could not authenticate anyone: left out.
        self._turn = tuple(turn_urls) if turn_secret else ()
        self._secret = turn_secret or ""
        self._ttl = turn_ttl

    def for_participant(self, participant_id: str, now: datetime) -> list[IceServerInfo]:
        """Return the servers for one participant, with their own TURN credentials."""
        servers: list[IceServerInfo] = []
        if self._stun:
            servers.append(IceServerInfo(self._stun))
        if self._turn:
            username, credential = turn_credentials(self._secret, participant_id, now, self._ttl)
            servers.append(IceServerInfo(self._turn, username, credential))
        return servers

    def stun_only(self) -> list[IceServerInfo]:
        """Return the STUN servers alone, for the relay's own peers."""
        return [IceServerInfo(self._stun)] if self._stun else []

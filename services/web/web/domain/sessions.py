"""Sessions of the web front: a short-lived signed token in a cookie, revocable by id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from jalon_shared.access import Principal

#: How long a session lasts; a revocation has to outlive the tokens it refuses, no more.
SESSION_TTL = timedelta(minutes=15)
#: The verifier's clock leeway, so a revocation also covers a token accepted slightly late.
REVOCATION_MARGIN = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in person: who they are, and the token the services are called with."""

    principal: Principal
    token: str

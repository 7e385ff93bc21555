"""Open an appointment's signed link: act as its beneficiary, on that appointment only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from uuid import UUID

from jalon_shared.access import Principal, Role
from jalon_shared.links import LinkError
from web.domain.sessions import Session

#: The services are called with a token this short-lived: it lives for one page, never a cookie.
LINK_TOKEN_TTL = timedelta(minutes=5)


class LinkVerifier(Protocol):
    """Verifies a signed action link."""

    def verify(self, token: str) -> tuple[UUID, UUID]:
        """Return (appointment_id, beneficiary_id), or raise LinkError."""
        ...


class TokenMinter(Protocol):
    """Signs access tokens the services accept."""

    def mint(
        self,
        sub: str,
        role: Role,
        *,
        region: str | None = None,
        site: str | None = None,
        ttl: timedelta = ...,
    ) -> str:
        """Return a signed token for the given identity."""
        ...


@dataclass(frozen=True, slots=True)
class OpenedLink:
    """A verified link: the appointment it opens and its beneficiary's page-long session."""

    appointment_id: UUID
    session: Session


def open_action_link(link: str, *, links: LinkVerifier, issuer: TokenMinter) -> OpenedLink | None:
    """Return the link's appointment and its beneficiary's session, or None if it is not valid."""
    try:
        appointment_id, beneficiary_id = links.verify(link)
    except LinkError:
        return None
    # The link stands for the beneficiary only on this page: no cookie is set, so forwarding
    # the message never opens their space, and the routes only reach the link's appointment.
    sub = str(beneficiary_id)
    token = issuer.mint(sub, Role.BENEFICIARY, ttl=LINK_TOKEN_TTL)
    return OpenedLink(appointment_id, Session(Principal(sub=sub, role=Role.BENEFICIARY), token))

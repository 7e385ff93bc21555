"""Open a room's join link: act as its beneficiary, on that appointment's room only."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from jalon_shared.access import Principal, Role
from jalon_shared.links import JOIN_PURPOSE, LinkError
from web.application.open_action_link import LINK_TOKEN_TTL, OpenedLink, TokenMinter
from web.domain.sessions import Session


class JoinLinkVerifier(Protocol):
    """Verifies a signed link for one purpose."""

    def verify(self, token: str, purpose: str = ...) -> tuple[UUID, UUID]:
        """Return (appointment_id, beneficiary_id), or raise LinkError."""
        ...


def open_join_link(link: str, *, links: JoinLinkVerifier, issuer: TokenMinter) -> OpenedLink | None:
    """Return the link's appointment and its beneficiary's page-long session, or None."""
    try:
        appointment_id, beneficiary_id = links.verify(link, JOIN_PURPOSE)
    except LinkError:
        return None
    # As for the appointment links: no cookie, a token of minutes, this appointment only.
    sub = str(beneficiary_id)
    token = issuer.mint(sub, Role.BENEFICIARY, ttl=LINK_TOKEN_TTL)
    return OpenedLink(appointment_id, Session(Principal(sub=sub, role=Role.BENEFICIARY), token))

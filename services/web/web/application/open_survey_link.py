"""Open a survey's signed link: act as its beneficiary, on that survey only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from jalon_shared.access import Principal, Role
from jalon_shared.links import SURVEY_PURPOSE, LinkError
from web.application.open_action_link import LINK_TOKEN_TTL, TokenMinter
from web.domain.sessions import Session


class SurveyLinkVerifier(Protocol):
    """Verifies a signed link for one purpose."""

    def verify(self, token: str, purpose: str = ...) -> tuple[UUID, UUID]:
        """Return (survey_id, beneficiary_id), or raise LinkError."""
        ...


@dataclass(frozen=True, slots=True)
class OpenedSurvey:
    """A verified survey link: the survey it opens and its beneficiary's page-long session."""

    survey_id: UUID
    session: Session


def open_survey_link(
    link: str, *, links: SurveyLinkVerifier, issuer: TokenMinter
) -> OpenedSurvey | None:
    """Return the link's survey and its beneficiary's session, or None if it is not valid."""
    try:
        survey_id, beneficiary_id = links.verify(link, SURVEY_PURPOSE)
    except LinkError:
        return None
    # As for the appointment links: no cookie, a token of minutes, and intake answers for the
    # link's own survey only.
    sub = str(beneficiary_id)
    token = issuer.mint(sub, Role.BENEFICIARY, ttl=LINK_TOKEN_TTL)
    return OpenedSurvey(survey_id, Session(Principal(sub=sub, role=Role.BENEFICIARY), token))

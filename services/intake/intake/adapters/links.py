"""The signed links of the follow-up e-mails, which the web front's survey page verifies."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from jalon_shared.links import SURVEY_PURPOSE, SignedLinks

#: The web front's page that answers a survey from a link, without signing in.
SURVEY_PATH = "/enquete"


class SurveyLinkSigner:
    """Signs a survey's link (its id in the `apt` claim) for the web front's survey page."""

    def __init__(self, links: SignedLinks, web_url: str) -> None:
        self._links = links
        self._web_url = web_url.rstrip("/")

    def url(self, survey_id: UUID, beneficiary_id: UUID, expires_at: datetime) -> str:
        """Return the web front's page for the survey, with a token valid until expires_at."""
        token = self._links.token(survey_id, beneficiary_id, expires_at, purpose=SURVEY_PURPOSE)
        return f"{self._web_url}{SURVEY_PATH}/{token}"

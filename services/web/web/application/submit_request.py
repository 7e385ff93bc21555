"""Use case: a beneficiary submits their CEP request form to intake."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from jalon_shared.events.vocabulary import CONSENT_TEXT_VERSION
from web.application.ports import IntakeApi
from web.application.views import SubmittedRequest
from web.domain.sessions import Session

_Text = Field(default="", max_length=4000)
_Choices = Field(default=(), max_length=20)


class RequestDraft(BaseModel):
    """The request form as typed: kept whole, so a refused form is shown again unchanged."""

    model_config = ConfigDict(frozen=True)

    first_name: str = _Text
    last_name: str = _Text
    email: str = _Text
    phone: str = _Text
    preferred_channel: str = _Text
    employment_situation: str = _Text
    csp: str = _Text
    region: str = _Text
    site: str = _Text
    need: str = _Text
    topics: tuple[str, ...] = _Choices
    modalities: tuple[str, ...] = _Choices
    availability: str = _Text
    accessibility: tuple[str, ...] = _Choices
    languages: tuple[str, ...] = _Choices
    service_level: str = _Text
    consent: bool = False

    def body(self) -> dict[str, Any]:
        """Return intake's request body; intake validates every field."""
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "phone": self.phone.strip() or None,
            "preferred_channel": self.preferred_channel or "email",
            "employment_situation": self.employment_situation,
            "csp": self.csp,
            "region": self.region,
            "site": self.site,
            "need": self.need,
            "topics": list(self.topics),
            "modalities": list(self.modalities),
            "availability": self.availability,
            "accessibility": list(self.accessibility),
            "languages": list(self.languages),
            "service_level": self.service_level or "accueil_individualise",
            "consent": {"accepted": self.consent, "text_version": CONSENT_TEXT_VERSION},
        }


async def submit_request(
    session: Session, draft: RequestDraft, *, intake: IntakeApi
) -> SubmittedRequest:
    """Send the request with the beneficiary's own token; raises ApiError with field errors."""
    return await intake.submit_request(session.token, draft.body())

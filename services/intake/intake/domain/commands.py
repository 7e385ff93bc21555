"""Commands intake accepts, validated at the boundary."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from jalon_shared.events.vocabulary import (
    CONSENT_TEXT_VERSION,
    AccessibilityNeed,
    CloseReason,
    ContactChannel,
    Csp,
    EmploymentSituation,
    Modality,
    NeedTopic,
    ServiceLevel,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 .()-]{6,20}$")]

#: The consent text versions intake knows; a request must name one of them.
CONSENT_TEXT_VERSIONS = frozenset({CONSENT_TEXT_VERSION})


class GdprConsent(BaseModel):
    """The consent box, which must be ticked against a known text version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    accepted: bool
    text_version: str = Field(max_length=32)

    @field_validator("accepted")
    @classmethod
    def _must_accept(cls, value: bool) -> bool:
        if not value:
            raise ValueError("GDPR consent must be given to submit a request")
        return value

    @field_validator("text_version")
    @classmethod
    def _known_version(cls, value: str) -> str:
        if value not in CONSENT_TEXT_VERSIONS:
            raise ValueError(f"unknown consent text version {value!r}")
        return value


class SubmitRequest(BaseModel):
    """Register a beneficiary and their CEP request."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_name: Name
    last_name: Name
    email: EmailStr = Field(max_length=254)
    phone: Phone | None = None
    preferred_channel: ContactChannel = ContactChannel.EMAIL
    employment_situation: EmploymentSituation
    csp: Csp
    region: Code
    site: Code
    need: str = Field(default="", max_length=4000)
    topics: tuple[NeedTopic, ...] = Field(default=(), max_length=5)
    modalities: tuple[Modality, ...] = Field(default=(), max_length=4)
    availability: str = Field(default="", max_length=500)
    accessibility: tuple[AccessibilityNeed, ...] = Field(default=(), max_length=4)
    languages: tuple[Code, ...] = Field(default=(), max_length=5)
    service_level: ServiceLevel = ServiceLevel.ACCUEIL_INDIVIDUALISE
    consent: GdprConsent


class RegisterCounsellor(BaseModel):
    """Add a counsellor to the staff directory, or update them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    counsellor_id: Code
    region: Code
    site: Code
    capacity: int = Field(ge=0, le=1000)
    skills: tuple[Code, ...] = Field(default=(), max_length=20)
    languages: tuple[Code, ...] = Field(default=(), max_length=10)
    active: bool = True


class ReassignCase(BaseModel):
    """Hand a case over to another counsellor."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    to_counsellor_id: Code


class ChangeServiceLevel(BaseModel):
    """Requalify a case's service level."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service_level: ServiceLevel


class CloseCase(BaseModel):
    """Close a case with a reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: CloseReason

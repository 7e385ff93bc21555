"""Commands intake carries out; the HTTP schemas validate input before building them."""

from __future__ import annotations

from dataclasses import dataclass

from intake.domain.model import PersonDetails
from jalon_shared.events.vocabulary import (
    AccessibilityNeed,
    Csp,
    EmploymentSituation,
    Modality,
    NeedTopic,
    ServiceLevel,
)
from jalon_shared.places import Site


@dataclass(frozen=True, slots=True)
class SubmitRequest:
    """Register a CEP request for a person."""

    person: PersonDetails
    employment_situation: EmploymentSituation
    csp: Csp
    region: str
    site: str
    consent_version: str
    need: str = ""
    topics: tuple[NeedTopic, ...] = ()
    modalities: tuple[Modality, ...] = ()
    availability: str = ""
    accessibility: tuple[AccessibilityNeed, ...] = ()
    service_level: ServiceLevel = ServiceLevel.ACCUEIL_INDIVIDUALISE


@dataclass(frozen=True, slots=True)
class RegisterCounsellor:
    """Add a counsellor to the staff directory, or update them."""

    counsellor_id: str
    display_name: str
    region: str
    site: str
    capacity: int
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    active: bool = True


@dataclass(frozen=True, slots=True)
class RegisterRegion:
    """Add a region and its sites to the reference data, or change them."""

    code: str
    label: str
    sites: tuple[Site, ...]

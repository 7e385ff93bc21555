"""Events published by the intake service. Personal data stays out: ids and categories only."""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from jalon_shared.events import topics
from jalon_shared.events.envelope import Event
from jalon_shared.events.vocabulary import (
    AccessibilityNeed,
    CloseReason,
    Csp,
    EmploymentSituation,
    FollowUpSituation,
    Modality,
    NeedTopic,
    ServiceLevel,
    SurveyKind,
)

_Code = Field(min_length=1, max_length=64)


class RequestSubmitted(Event):
    """A beneficiary submitted a CEP request."""

    TOPIC: ClassVar[str] = topics.INTAKE_REQUEST
    KEY_FIELD: ClassVar[str] = "request_id"

    event_type: Literal["intake.request_submitted"] = "intake.request_submitted"
    schema_version: Literal[1] = 1
    request_id: UUID
    beneficiary_id: UUID
    region: str = _Code
    site: str = _Code
    csp: Csp
    employment_situation: EmploymentSituation
    service_level: ServiceLevel
    topics: tuple[NeedTopic, ...] = ()
    modalities: tuple[Modality, ...] = ()
    accessibility: tuple[AccessibilityNeed, ...] = ()
    duplicate_of: UUID | None = None


class CaseOpened(Event):
    """A case was opened for a request and assigned to a counsellor (or left waiting)."""

    TOPIC: ClassVar[str] = topics.INTAKE_CASE
    KEY_FIELD: ClassVar[str] = "case_id"

    event_type: Literal["intake.case_opened"] = "intake.case_opened"
    schema_version: Literal[1] = 1
    case_id: UUID
    request_id: UUID
    beneficiary_id: UUID
    counsellor_id: str | None = None
    region: str = _Code
    site: str = _Code
    csp: Csp
    service_level: ServiceLevel
    #: Whether the beneficiary had a case before this one; reporting's first-time/returning split.
    returning: bool | None = None


class CaseReassigned(Event):
    """A case was handed over to another counsellor."""

    TOPIC: ClassVar[str] = topics.INTAKE_CASE
    KEY_FIELD: ClassVar[str] = "case_id"

    event_type: Literal["intake.case_reassigned"] = "intake.case_reassigned"
    schema_version: Literal[1] = 1
    case_id: UUID
    beneficiary_id: UUID
    from_counsellor_id: str | None
    to_counsellor_id: str
    reassigned_by: str
    region: str = _Code
    site: str = _Code


class ServiceLevelChanged(Event):
    """The counsellor requalified the service level of a case."""

    TOPIC: ClassVar[str] = topics.INTAKE_CASE
    KEY_FIELD: ClassVar[str] = "case_id"

    event_type: Literal["intake.service_level_changed"] = "intake.service_level_changed"
    schema_version: Literal[1] = 1
    case_id: UUID
    beneficiary_id: UUID
    previous_level: ServiceLevel
    service_level: ServiceLevel
    region: str = _Code
    site: str = _Code


class CaseClosed(Event):
    """A case was closed; carries the path duration and type for reporting."""

    TOPIC: ClassVar[str] = topics.INTAKE_CASE
    KEY_FIELD: ClassVar[str] = "case_id"

    event_type: Literal["intake.case_closed"] = "intake.case_closed"
    schema_version: Literal[1] = 1
    case_id: UUID
    beneficiary_id: UUID
    counsellor_id: str | None
    region: str = _Code
    site: str = _Code
    csp: Csp
    service_level: ServiceLevel
    reason: CloseReason
    path_days: int = Field(ge=0)


class BeneficiaryErased(Event):
    """A beneficiary asked for erasure; every service must delete or anonymise their data."""

    TOPIC: ClassVar[str] = topics.INTAKE_BENEFICIARY
    KEY_FIELD: ClassVar[str] = "beneficiary_id"

    event_type: Literal["intake.beneficiary_erased"] = "intake.beneficiary_erased"
    schema_version: Literal[1] = 1
    beneficiary_id: UUID
    #: The person's cases as they were known, so a service keyed by case can act even where
    #: it never saw the opening. Intake's own stubs of them are re-keyed, so nothing links back.
    case_ids: tuple[UUID, ...] = ()


class _CounsellorProfile(Event):
    """Fields both staff-directory events carry."""

    TOPIC: ClassVar[str] = topics.INTAKE_STAFF
    KEY_FIELD: ClassVar[str] = "counsellor_id"

    counsellor_id: str = _Code
    region: str = _Code
    site: str = _Code
    capacity: int = Field(ge=0)
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    active: bool = True
    #: Staff directory data, shown to colleagues and to the people they follow.
    display_name: str | None = Field(default=None, max_length=100)


class CounsellorRegistered(_CounsellorProfile):
    """A counsellor joined the staff directory."""

    event_type: Literal["intake.counsellor_registered"] = "intake.counsellor_registered"
    schema_version: Literal[1] = 1


class CounsellorUpdated(_CounsellorProfile):
    """A counsellor's site, capacity, skills or availability changed."""

    event_type: Literal["intake.counsellor_updated"] = "intake.counsellor_updated"
    schema_version: Literal[1] = 1


class RegisteredSite(BaseModel):
    """One site of a region, as reference data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = _Code
    label: str = Field(min_length=1, max_length=100)
    active: bool = True


class RegionRegistered(Event):
    """A region and its sites were registered or changed; the whole reference entry is carried."""

    TOPIC: ClassVar[str] = topics.INTAKE_STAFF
    KEY_FIELD: ClassVar[str] = "region"

    event_type: Literal["intake.region_registered"] = "intake.region_registered"
    schema_version: Literal[1] = 1
    region: str = _Code
    label: str = Field(min_length=1, max_length=100)
    sites: tuple[RegisteredSite, ...] = ()


class SurveyOffered(Event):
    """A survey was offered to someone; anonymous: no person, case or survey id, only categories."""

    TOPIC: ClassVar[str] = topics.INTAKE_SURVEY
    KEY_FIELD: ClassVar[str] = "offer_id"

    event_type: Literal["intake.survey_offered"] = "intake.survey_offered"
    schema_version: Literal[1] = 1
    #: A fresh random id, stored nowhere else, so the fact links back to nobody.
    offer_id: UUID
    kind: SurveyKind
    region: str = _Code
    site: str = _Code
    csp: Csp
    service_level: ServiceLevel


class SurveyAnswered(Event):
    """Someone answered a survey; anonymous: no person, case or survey id, only categories."""

    TOPIC: ClassVar[str] = topics.INTAKE_SURVEY
    KEY_FIELD: ClassVar[str] = "response_id"

    event_type: Literal["intake.survey_answered"] = "intake.survey_answered"
    schema_version: Literal[1] = 1
    #: A fresh random id, stored nowhere else, so the answer links back to nobody.
    response_id: UUID
    kind: SurveyKind
    region: str = _Code
    site: str = _Code
    csp: Csp
    service_level: ServiceLevel
    #: End of level: overall satisfaction from 1 (not at all) to 5 (very satisfied).
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    #: End of level: would recommend the service to someone close.
    would_recommend: bool | None = None
    #: Follow-up: the person's situation six months on.
    situation: FollowUpSituation | None = None

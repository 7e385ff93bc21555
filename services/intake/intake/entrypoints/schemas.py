"""Intake's HTTP schemas: strict request bodies that build commands, and the views routes answer."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

from intake.application.get_case import CaseFile
from intake.application.get_caseload import CaseloadLine
from intake.application.list_unassigned_cases import WaitingCase
from intake.domain.commands import RegisterCounsellor, RegisterRegion, SubmitRequest
from intake.domain.model import (
    Counsellor,
    PersonDetails,
)
from intake.domain.surveys import Survey, SurveyAnswer, SurveyStatus
from jalon_shared.access import Principal
from jalon_shared.events.vocabulary import (
    CONSENT_TEXT_VERSION,
    AccessibilityNeed,
    CaseAlert,
    CaseStatus,
    CloseReason,
    ContactChannel,
    Csp,
    EmploymentSituation,
    FollowUpSituation,
    Modality,
    NeedTopic,
    RequestOutcome,
    ReviewStatus,
    ServiceLevel,
    SurveyKind,
)
from jalon_shared.places import Region, Site

CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


def without_invisible(value: str) -> str:
    """Drop format characters (zero-width, bidi controls, BOM: Unicode category Cf) and trim."""
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cf").strip()


def clean_name(value: str) -> str:
    """Return a name without invisible characters; refuse one that is nothing else."""
    cleaned = without_invisible(value)
    if cleaned:
        return cleaned
    if value.strip():
        raise PydanticCustomError(
            "invisible_only", "The name holds only invisible or direction-control characters"
        )
    raise PydanticCustomError("string_too_short", "String should have at least 1 character")


#: At least one visible character: whitespace and the common format characters (Cf) are not.
#: The schema states it so clients know; clean_name still applies the whole Cf category.
VISIBLE = (
    r"[^\s\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    AfterValidator(clean_name),
    # In the schema only: clean_name refuses invisible-only names with its own error type.
    Field(json_schema_extra={"pattern": VISIBLE}),
]
Label = Name
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=CODE_PATTERN)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 .()-]{6,20}$")]
Email = Annotated[EmailStr, Field(max_length=254)]


class Form(BaseModel):
    """A request body: closed, strict for booleans and numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ConsentForm(Form):
    """The consent box, which must be ticked against a known text version."""

    # A strict boolean (1 is not a ticked box), declared `const: true` for clients.
    accepted: StrictBool = Field(
        description="Must be true: GDPR consent is required to submit a request",
        json_schema_extra={"const": True},
    )
    text_version: Literal[CONSENT_TEXT_VERSION] = Field(  # type: ignore[valid-type]
        description="The version of the consent text shown beside the box"
    )

    @field_validator("accepted")
    @classmethod
    def _must_accept(cls, value: bool) -> bool:
        if not value:
            raise ValueError("GDPR consent must be given to submit a request")
        return value


class RequestForm(Form):
    """POST /requests: a person and their CEP request."""

    first_name: Name
    last_name: Name
    email: Email
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
    consent: ConsentForm

    def command(self) -> SubmitRequest:
        """Return the command this form asks for."""
        return SubmitRequest(
            person=PersonDetails(
                first_name=self.first_name,
                last_name=self.last_name,
                email=str(self.email),
                phone=self.phone,
                preferred_channel=self.preferred_channel,
                languages=self.languages,
            ),
            employment_situation=self.employment_situation,
            csp=self.csp,
            region=self.region,
            site=self.site,
            consent_version=self.consent.text_version,
            need=self.need,
            topics=self.topics,
            modalities=self.modalities,
            availability=self.availability,
            accessibility=self.accessibility,
            service_level=self.service_level,
        )


class CounsellorForm(Form):
    """PUT /counsellors/{id}: the path names the counsellor, the body their profile."""

    display_name: Name
    region: Code
    site: Code
    capacity: StrictInt = Field(ge=0, le=1000)
    skills: tuple[Code, ...] = Field(default=(), max_length=20)
    languages: tuple[Code, ...] = Field(default=(), max_length=10)
    active: StrictBool = True

    def command(self, counsellor_id: str) -> RegisterCounsellor:
        """Return the command registering this profile under the id."""
        return RegisterCounsellor(counsellor_id=counsellor_id, **self.model_dump())


class SiteForm(Form):
    """One site of a region."""

    code: Code
    label: Label
    active: StrictBool = True


class RegionForm(Form):
    """PUT /reference/regions/{code}: the region's label and every one of its sites."""

    label: Label
    sites: tuple[SiteForm, ...] = Field(min_length=1, max_length=200)

    @field_validator("sites")
    @classmethod
    def _distinct_codes(cls, sites: tuple[SiteForm, ...]) -> tuple[SiteForm, ...]:
        if len({site.code for site in sites}) != len(sites):
            raise ValueError("each site code must appear once")
        return sites

    def command(self, code: str) -> RegisterRegion:
        """Return the command registering the region under the code."""
        return RegisterRegion(
            code=code,
            label=self.label,
            sites=tuple(Site(**site.model_dump()) for site in self.sites),
        )


class ReassignForm(Form):
    """Hand a case over to another counsellor."""

    to_counsellor_id: Code


class ServiceLevelForm(Form):
    """Requalify a case's service level."""

    service_level: ServiceLevel


class CloseForm(Form):
    """Close a case with a reason."""

    reason: CloseReason


class SurveyAnswerForm(Form):
    """POST /surveys/{id}/answers: the end-of-level questions, or the follow-up's situation."""

    satisfaction: StrictInt | None = Field(
        default=None, ge=1, le=5, description="End of level: 1 (not at all) to 5 (very satisfied)"
    )
    would_recommend: StrictBool | None = Field(
        default=None, description="End of level: would recommend the service to someone close"
    )
    situation: FollowUpSituation | None = Field(
        default=None, description="Follow-up: where the person stands now"
    )

    def answer(self) -> SurveyAnswer:
        """Return the answer this form carries."""
        return SurveyAnswer(
            satisfaction=self.satisfaction,
            would_recommend=self.would_recommend,
            situation=self.situation,
        )


class SurveyView(BaseModel):
    """A survey as its beneficiary sees it: what it asks and whether it was answered."""

    survey_id: UUID
    kind: SurveyKind
    status: Literal["pending", "answered"]
    service_level: ServiceLevel
    offered_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, survey: Survey) -> SurveyView:
        """Return the view of an offered survey."""
        if survey.offered_at is None or survey.expires_at is None:
            raise ValueError("a survey is shown once offered")
        return cls(
            survey_id=survey.survey_id,
            kind=survey.kind,
            status="answered" if survey.status is SurveyStatus.ANSWERED else "pending",
            service_level=survey.service_level,
            offered_at=survey.offered_at,
            expires_at=survey.expires_at,
        )


class SubmitAnswer(BaseModel):
    """Where a request landed; a possible duplicate names no other person's ids."""

    request_id: UUID
    case_id: UUID | None
    outcome: RequestOutcome
    counsellor_assigned: bool


class SiteView(BaseModel):
    """A site of a region."""

    code: str
    label: str
    active: bool


class RegionView(BaseModel):
    """A region and its sites."""

    code: str
    label: str
    sites: list[SiteView]

    @classmethod
    def of(cls, region: Region) -> RegionView:
        """Return the view of a region."""
        return cls.model_validate(region.model_dump())


class ContactView(BaseModel):
    """How a service reaches a beneficiary to send them a notice: no name, no case."""

    email: str
    phone: str | None
    preferred_channel: ContactChannel


class IdentityView(BaseModel):
    """A beneficiary's name, for a service that prints it on a document: no contact, no case."""

    first_name: str
    last_name: str


class PersonView(BaseModel):
    """The case's person, as their counsellor reaches them."""

    first_name: str
    last_name: str
    email: str
    phone: str | None
    preferred_channel: ContactChannel
    languages: list[str]


class RequestView(BaseModel):
    """The case's current request: its most recent one."""

    request_id: UUID
    submitted_at: datetime
    employment_situation: EmploymentSituation
    csp: Csp
    need: str
    topics: list[NeedTopic]
    modalities: list[Modality]
    availability: str
    accessibility: list[AccessibilityNeed]
    service_level: ServiceLevel


class DuplicateView(BaseModel):
    """A request staff took that may be this case's person; details hidden once rejected."""

    request_id: UUID
    submitted_at: datetime
    matched_on: list[str] = Field(description='"email" and/or "phone"')
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    need: str | None
    status: ReviewStatus


class HistoryView(BaseModel):
    """One step of the case's life; `by` is a role, `by_name` a staff member's name."""

    at: datetime
    action: str
    by: str
    by_name: str | None
    counsellor_id: str | None
    counsellor_name: str | None
    detail: str | None


class CaseView(BaseModel):
    """A case as its person, its counsellor or a manager of its region reads it."""

    case_id: UUID
    region: str
    region_label: str | None
    site: str
    site_label: str | None
    status: CaseStatus
    service_level: ServiceLevel
    csp: Csp
    opened_at: datetime
    closed_at: datetime | None
    close_reason: CloseReason | None
    last_contact_at: datetime | None
    next_appointment_at: datetime | None
    pending_signature: bool
    #: When the latest signed summary reached the beneficiary's document space.
    summary_delivered_at: datetime | None
    counsellor_id: str | None
    counsellor_name: str | None
    beneficiary: PersonView | None
    request: RequestView | None
    possible_duplicates: list[DuplicateView]
    history: list[HistoryView]

    @classmethod
    def of(cls, file: CaseFile, principal: Principal) -> CaseView:
        """Return the view of a case file; possible duplicates are for staff only."""
        case, names = file.case, file.staff_names
        person = file.beneficiary
        request = file.request
        duplicates = [
            DuplicateView(
                request_id=flagged.request.request_id,
                submitted_at=flagged.request.submitted_at,
                matched_on=list(flagged.review.matched_on),
                first_name=flagged.person.first_name if flagged.person else None,
                last_name=flagged.person.last_name if flagged.person else None,
                email=flagged.person.email if flagged.person else None,
                phone=flagged.person.phone if flagged.person else None,
                need=flagged.request.need if flagged.person else None,
                status=flagged.review.status,
            )
            for flagged in file.duplicates
        ]
        return cls(
            case_id=case.case_id,
            region=case.region,
            region_label=file.region.label if file.region else None,
            site=case.site,
            site_label=file.region.site_label(case.site) if file.region else None,
            status=case.status,
            service_level=case.service_level,
            csp=case.csp,
            opened_at=case.opened_at,
            closed_at=case.closed_at,
            close_reason=case.close_reason,
            last_contact_at=case.last_contact_at,
            next_appointment_at=case.next_appointment_at,
            pending_signature=case.pending_signature,
            summary_delivered_at=case.summary_delivered_at,
            counsellor_id=case.counsellor_id,
            counsellor_name=names.get(case.counsellor_id) if case.counsellor_id else None,
            beneficiary=PersonView(
                first_name=person.first_name,
                last_name=person.last_name,
                email=person.email,
                phone=person.phone,
                preferred_channel=person.preferred_channel,
                languages=list(person.languages),
            )
            if person is not None
            else None,
            request=RequestView.model_validate(request.model_dump())
            if request is not None
            else None,
            possible_duplicates=duplicates if principal.is_staff else [],
            history=[
                HistoryView(
                    at=entry.at,
                    action=entry.action,
                    by=entry.by,
                    by_name=names.get(entry.by_id) if entry.by_id else None,
                    counsellor_id=entry.counsellor_id,
                    counsellor_name=names.get(entry.counsellor_id) if entry.counsellor_id else None,
                    detail=entry.detail,
                )
                for entry in case.history
            ],
        )


class CaseloadItem(BaseModel):
    """One line of a counsellor's caseload."""

    case_id: UUID
    beneficiary_name: str | None
    region: str
    site: str
    site_label: str | None
    status: CaseStatus
    service_level: ServiceLevel
    csp: Csp
    opened_at: datetime
    last_contact_at: datetime | None
    next_appointment_at: datetime | None
    pending_signature: bool
    #: When the latest signed summary reached the beneficiary's document space.
    summary_delivered_at: datetime | None
    alerts: list[CaseAlert]
    pending_duplicates: int

    @classmethod
    def of(cls, line: CaseloadLine) -> CaseloadItem:
        """Return the view of a caseload line."""
        case = line.case
        return cls(
            case_id=case.case_id,
            beneficiary_name=line.beneficiary_name,
            region=case.region,
            site=case.site,
            site_label=line.site_label,
            status=case.status,
            service_level=case.service_level,
            csp=case.csp,
            opened_at=case.opened_at,
            last_contact_at=case.last_contact_at,
            next_appointment_at=case.next_appointment_at,
            pending_signature=case.pending_signature,
            summary_delivered_at=case.summary_delivered_at,
            alerts=line.alerts,
            pending_duplicates=line.pending_duplicates,
        )


class CaseAlerts(BaseModel):
    """A counsellor's cases that need attention, by alert."""

    no_contact: list[CaseloadItem]
    not_contacted: list[CaseloadItem]
    #: New cases never contacted, still within the first-contact delay.
    awaiting_first_contact: list[CaseloadItem]


class WaitingCaseView(BaseModel):
    """A case nobody holds yet, without anything that names the person."""

    case_id: UUID
    site: str
    service_level: ServiceLevel
    opened_at: datetime

    @classmethod
    def of(cls, waiting: WaitingCase) -> WaitingCaseView:
        """Return the view of a waiting case."""
        return cls(
            case_id=waiting.case_id,
            site=waiting.site,
            service_level=waiting.service_level,
            opened_at=waiting.opened_at,
        )


class CounsellorView(BaseModel):
    """A counsellor of the staff directory, with their caseload size."""

    counsellor_id: str
    display_name: str | None
    region: str
    site: str
    site_label: str | None
    capacity: int
    open_cases: int
    active: bool
    skills: list[str]
    languages: list[str]

    @classmethod
    def of(cls, counsellor: Counsellor, region: Region | None) -> CounsellorView:
        """Return the view of a counsellor, their site named by the region's reference data."""
        return cls(
            counsellor_id=counsellor.counsellor_id,
            display_name=counsellor.display_name,
            region=counsellor.region,
            site=counsellor.site,
            site_label=region.site_label(counsellor.site) if region else None,
            capacity=counsellor.capacity,
            open_cases=counsellor.open_cases,
            active=counsellor.active,
            skills=list(counsellor.skills),
            languages=list(counsellor.languages),
        )


class Erasure(BaseModel):
    """What the erasure did."""

    beneficiary_id: UUID
    cases_anonymised: int

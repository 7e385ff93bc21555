"""What the web front reads from the services' APIs, typed; unknown fields are ignored."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from jalon_shared.events.vocabulary import (
    AccessibilityNeed,
    CaseAction,
    CaseAlert,
    CaseStatus,
    CloseReason,
    ContactChannel,
    Csp,
    EmploymentSituation,
    MatchedOn,
    Modality,
    NeedTopic,
    RequestOutcome,
    ReviewStatus,
    ServiceLevel,
)


class View(BaseModel):
    """A read-only answer of a service; fields it adds later are ignored, never fatal."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Site(View):
    """A place where beneficiaries are met."""

    code: str
    label: str
    active: bool = True


class Region(View):
    """A region and its sites (intake's reference data)."""

    code: str
    label: str
    sites: tuple[Site, ...] = ()


class SubmittedRequest(View):
    """Intake's answer to a submitted request."""

    request_id: UUID
    case_id: UUID | None = None
    outcome: RequestOutcome
    counsellor_assigned: bool = False


class BeneficiaryDetails(View):
    """The person behind a case."""

    first_name: str
    last_name: str
    email: str
    phone: str | None = None
    preferred_channel: ContactChannel = ContactChannel.EMAIL
    languages: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        """Return the name as shown."""
        return f"{self.first_name} {self.last_name}"


class RequestDetails(View):
    """The request a case was opened from."""

    request_id: UUID
    submitted_at: datetime
    employment_situation: EmploymentSituation
    csp: Csp
    need: str = ""
    topics: tuple[NeedTopic, ...] = ()
    modalities: tuple[Modality, ...] = ()
    availability: str = ""
    accessibility: tuple[AccessibilityNeed, ...] = ()
    service_level: ServiceLevel


class PossibleDuplicate(View):
    """A request whose email or phone matches this case's person."""

    request_id: UUID
    submitted_at: datetime
    matched_on: tuple[MatchedOn, ...] = ()
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    need: str = ""
    status: ReviewStatus = ReviewStatus.PENDING


class HistoryEntry(View):
    """One step of a case's life."""

    at: datetime
    action: CaseAction | str
    by: str
    by_name: str | None = None
    counsellor_id: str | None = None
    counsellor_name: str | None = None
    detail: str | None = None


class CaseDetails(View):
    """A case as intake shows it to its beneficiary, its counsellor or a manager."""

    case_id: UUID
    region: str
    region_label: str | None = None
    site: str
    site_label: str | None = None
    status: CaseStatus
    service_level: ServiceLevel
    csp: Csp | None = None
    opened_at: datetime
    closed_at: datetime | None = None
    close_reason: CloseReason | None = None
    last_contact_at: datetime | None = None
    next_appointment_at: datetime | None = None
    pending_signature: bool = False
    counsellor_id: str | None = None
    counsellor_name: str | None = None
    beneficiary: BeneficiaryDetails | None = None
    request: RequestDetails | None = None
    possible_duplicates: tuple[PossibleDuplicate, ...] = ()
    history: tuple[HistoryEntry, ...] = ()

    @property
    def pending_duplicates(self) -> tuple[PossibleDuplicate, ...]:
        """Return the duplicates still waiting for a decision."""
        return tuple(d for d in self.possible_duplicates if d.status is ReviewStatus.PENDING)


class CaseloadItem(View):
    """One line of a counsellor's caseload."""

    case_id: UUID
    beneficiary_name: str | None = None
    region: str | None = None
    site: str
    site_label: str | None = None
    status: CaseStatus
    service_level: ServiceLevel
    csp: Csp | None = None
    opened_at: datetime
    last_contact_at: datetime | None = None
    next_appointment_at: datetime | None = None
    pending_signature: bool = False
    alerts: tuple[CaseAlert | str, ...] = ()
    pending_duplicates: int = 0


class CaseloadAlerts(View):
    """The counsellor's cases that need attention, by alert."""

    no_contact: tuple[CaseloadItem, ...] = ()
    not_contacted: tuple[CaseloadItem, ...] = ()
    awaiting_first_contact: tuple[CaseloadItem, ...] = ()


class Counsellor(View):
    """A counsellor of the staff directory."""

    counsellor_id: str
    display_name: str | None = None
    region: str
    site: str
    site_label: str | None = None
    capacity: int = 0
    open_cases: int = 0
    active: bool = True
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """Return the name to show (the id only for a counsellor registered without one)."""
        return self.display_name or self.counsellor_id


class OwnCase(View):
    """A case as the beneficiary's export lists it."""

    case_id: UUID
    opened_at: datetime
    status: CaseStatus
    service_level: ServiceLevel


class OwnData(View):
    """What intake holds about the signed-in beneficiary, as far as their space shows it."""

    beneficiary: BeneficiaryDetails | None = None
    cases: tuple[OwnCase, ...] = ()


CaseloadSort = Literal["opened_at", "last_contact_at", "next_appointment_at"]
SortOrder = Literal["asc", "desc"]


class CaseloadFilters(BaseModel):
    """The caseload filters a counsellor chose; intake applies them."""

    model_config = ConfigDict(frozen=True)

    status: CaseStatus | None = None
    service_level: ServiceLevel | None = None
    site: str | None = Field(default=None, max_length=64)
    sort: CaseloadSort = "opened_at"
    order: SortOrder = "desc"

    def query(self) -> dict[str, str]:
        """Return the filters that are set, as query parameters."""
        return {k: str(v) for k, v in self.model_dump(exclude_none=True).items() if v != ""}

"""Intake's aggregates: beneficiaries, CEP requests, cases and counsellors."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from intake.domain.retention import CLOSED_CASE_RETENTION
from jalon_shared.events.vocabulary import (
    AccessibilityNeed,
    CaseStatus,
    CloseReason,
    ContactChannel,
    Csp,
    EmploymentSituation,
    Modality,
    NeedTopic,
    ServiceLevel,
)


class DomainError(Exception):
    """A rule of the domain refuses the operation."""


class Consent(BaseModel):
    """GDPR consent as the beneficiary gave it."""

    model_config = ConfigDict(frozen=True)

    text_version: str
    given_at: datetime


class Beneficiary(BaseModel):
    """A person asking for CEP guidance; the only holder of their contact details."""

    beneficiary_id: UUID
    first_name: str
    last_name: str
    email: str
    phone: str | None
    preferred_channel: ContactChannel
    languages: tuple[str, ...] = ()
    created_at: datetime
    purge_at: datetime | None = None


class CepRequest(BaseModel):
    """One CEP request, as submitted."""

    request_id: UUID
    beneficiary_id: UUID
    employment_situation: EmploymentSituation
    csp: Csp
    region: str
    site: str
    need: str
    topics: tuple[NeedTopic, ...]
    modalities: tuple[Modality, ...]
    availability: str
    accessibility: tuple[AccessibilityNeed, ...]
    consent: Consent
    service_level: ServiceLevel
    submitted_at: datetime
    duplicate_of: UUID | None = None
    case_id: UUID | None = None
    purge_at: datetime | None = None


class HistoryEntry(BaseModel):
    """One step of a case's life, kept across hand-overs."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    action: str
    by: str
    counsellor_id: str | None = None
    detail: str | None = None


class ScheduledAppointment(BaseModel):
    """An upcoming appointment as last announced, and when that announcement was made."""

    model_config = ConfigDict(frozen=True)

    starts_at: datetime
    as_of: datetime


class Case(BaseModel):
    """A beneficiary's guidance path, owned by one counsellor at a time."""

    case_id: UUID
    request_id: UUID
    beneficiary_id: UUID
    counsellor_id: str | None
    region: str
    site: str
    csp: Csp
    service_level: ServiceLevel
    status: CaseStatus = CaseStatus.OPENED
    opened_at: datetime
    closed_at: datetime | None = None
    close_reason: CloseReason | None = None
    last_contact_at: datetime | None = None
    #: The last contact, or the opening while there was none: what "silent since" is measured on.
    last_activity_at: datetime | None = None
    #: Booked appointments not yet held or cancelled, by appointment id.
    appointments: dict[str, ScheduledAppointment] = Field(default_factory=dict)
    #: Appointments held or cancelled: a late booking or move of one of them is stale news.
    ended_appointments: list[str] = Field(default_factory=list)
    #: Derived from appointments and stored, so caseloads can sort on it.
    next_appointment_at: datetime | None = None
    #: Documents sent for signature and not yet signed or declined.
    pending_documents: list[str] = Field(default_factory=list)
    #: Documents signed or declined: a late submission of one of them is stale news.
    settled_documents: list[str] = Field(default_factory=list)
    purge_at: datetime | None = None
    history: list[HistoryEntry] = Field(default_factory=list)

    def model_post_init(self, context: Any, /) -> None:
        """Derive the activity date of a case loaded or created without one."""
        if self.last_activity_at is None:
            self.last_activity_at = self.last_contact_at or self.opened_at

    @property
    def pending_signature(self) -> bool:
        """Return whether a summary waits for the beneficiary's signature."""
        return bool(self.pending_documents)

    def appointment_booked(
        self, appointment_id: str, starts_at: datetime, *, as_of: datetime
    ) -> None:
        """Track a booked (or moved) appointment, unless newer news about it is already known."""
        # Events of other services may be redelivered or replayed out of order: a booking
        # that arrives after its cancellation, or an old time after a move, must not win.
        if appointment_id in self.ended_appointments:
            return
        known = self.appointments.get(appointment_id)
        if known is not None and known.as_of > as_of:
            return
        self.appointments[appointment_id] = ScheduledAppointment(starts_at=starts_at, as_of=as_of)
        self._refresh_next_appointment()

    def appointment_ended(self, appointment_id: str, *, held_at: datetime | None) -> None:
        """Forget an appointment that was cancelled, or held (which is a contact)."""
        self.appointments.pop(appointment_id, None)
        if appointment_id not in self.ended_appointments:
            self.ended_appointments.append(appointment_id)
        self._refresh_next_appointment()
        if held_at is not None:
            self.record_contact(held_at)

    def _refresh_next_appointment(self) -> None:
        self.next_appointment_at = min(
            (appointment.starts_at for appointment in self.appointments.values()), default=None
        )

    def signature_requested(self, document_id: str) -> None:
        """Note a summary sent for signature, unless it was already signed or declined."""
        if document_id in self.settled_documents or document_id in self.pending_documents:
            return
        self.pending_documents.append(document_id)

    def signature_settled(self, document_id: str) -> None:
        """Note a summary signed or declined."""
        if document_id in self.pending_documents:
            self.pending_documents.remove(document_id)
        if document_id not in self.settled_documents:
            self.settled_documents.append(document_id)

    def reassign(self, to_counsellor_id: str, by: str, at: datetime) -> str | None:
        """Hand the case over, keeping the history; return the previous owner."""
        if self.status is CaseStatus.CLOSED:
            raise DomainError("a closed case cannot be reassigned")
        if to_counsellor_id == self.counsellor_id:
            raise DomainError("the case is already assigned to this counsellor")
        previous = self.counsellor_id
        self.counsellor_id = to_counsellor_id
        self.history.append(
            HistoryEntry(
                at=at,
                action="reassigned",
                by=by,
                counsellor_id=to_counsellor_id,
                detail=f"from {previous or 'unassigned'}",
            )
        )
        return previous

    def change_level(self, level: ServiceLevel, by: str, at: datetime) -> ServiceLevel:
        """Requalify the service level; return the previous one."""
        if self.status is CaseStatus.CLOSED:
            raise DomainError("a closed case cannot change level")
        if level is self.service_level:
            raise DomainError("the case already has this service level")
        previous = self.service_level
        self.service_level = level
        self.history.append(
            HistoryEntry(at=at, action="level_changed", by=by, detail=f"{previous} -> {level}")
        )
        return previous

    def record_contact(self, at: datetime) -> None:
        """Note a contact with the beneficiary; the first one starts the path."""
        if self.last_contact_at is None or at > self.last_contact_at:
            self.last_contact_at = at
            self.last_activity_at = at
        if self.status is CaseStatus.OPENED:
            self.status = CaseStatus.IN_PROGRESS

    def forget_beneficiary(self, stub_id: UUID) -> None:
        """Cut every link to the person, keeping an anonymous stub of the path."""
        person = str(self.beneficiary_id)
        self.beneficiary_id = stub_id
        self.appointments.clear()
        self.ended_appointments.clear()
        self.next_appointment_at = None
        self.pending_documents.clear()
        self.settled_documents.clear()
        self.history = [
            entry.model_copy(update={"by": "beneficiary"}) if person in entry.by else entry
            for entry in self.history
        ]

    def close(self, reason: CloseReason, by: str, at: datetime) -> int:
        """Close the case and return the path duration in days."""
        if self.status is CaseStatus.CLOSED:
            raise DomainError("the case is already closed")
        self.status = CaseStatus.CLOSED
        self.closed_at = at
        self.close_reason = reason
        self.purge_at = at + CLOSED_CASE_RETENTION
        self.history.append(HistoryEntry(at=at, action="closed", by=by, detail=reason.value))
        return max(0, (at - self.opened_at).days)


class Counsellor(BaseModel):
    """A counsellor of the staff directory, with their current caseload size."""

    counsellor_id: str
    region: str
    site: str
    capacity: int = Field(ge=0)
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    active: bool = True
    open_cases: int = 0

    def has_capacity(self) -> bool:
        """Return whether the counsellor can take one more case."""
        return self.active and self.open_cases < self.capacity

"""Intake's aggregates: beneficiaries, CEP requests, cases and counsellors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from intake.domain.contact import normalise_email, normalise_phone
from intake.domain.retention import CLOSED_CASE_RETENTION
from jalon_shared.events.vocabulary import (
    AccessibilityNeed,
    CallOutcome,
    CaseAction,
    CaseStatus,
    CloseReason,
    ContactChannel,
    Csp,
    EmploymentSituation,
    Modality,
    NeedTopic,
    ReviewStatus,
    ServiceLevel,
)

#: The roles whose members a case history names.
STAFF_ROLES = frozenset({"counsellor", "manager"})


class DomainError(Exception):
    """A rule of the domain refuses the operation."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts on a case: a role, and the staff member's id when staff act."""

    role: str
    staff_id: str | None = None


class Consent(BaseModel):
    """GDPR consent as the beneficiary gave it."""

    model_config = ConfigDict(frozen=True)

    text_version: str
    given_at: datetime


class PersonDetails(BaseModel):
    """Who a request is for, as typed in the form."""

    model_config = ConfigDict(frozen=True)

    first_name: str
    last_name: str
    email: str
    phone: str | None = None
    preferred_channel: ContactChannel = ContactChannel.EMAIL
    languages: tuple[str, ...] = ()

    def normalised(self) -> PersonDetails:
        """Return the details with the email and phone in the form duplicates are compared on."""
        return self.model_copy(
            update={"email": normalise_email(self.email), "phone": normalise_phone(self.phone)}
        )

    def shared_contacts(self, other: Beneficiary) -> tuple[str, ...]:
        """Return which contact fields ("email", "phone") the other person's record also holds."""
        shared: list[str] = []
        if other.email == self.email:
            shared.append("email")
        if self.phone is not None and other.phone == self.phone:
            shared.append("phone")
        return tuple(shared)


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
    #: Details typed by staff for a request awaiting duplicate review: nobody's record yet.
    provisional: bool = False
    purge_at: datetime | None = None

    @classmethod
    def from_details(
        cls,
        beneficiary_id: UUID,
        details: PersonDetails,
        *,
        at: datetime,
        provisional: bool = False,
        purge_at: datetime | None = None,
    ) -> Beneficiary:
        """Return a new record holding the details."""
        return cls(
            beneficiary_id=beneficiary_id,
            created_at=at,
            provisional=provisional,
            purge_at=purge_at,
            **details.model_dump(),
        )

    @property
    def display_name(self) -> str:
        """Return the name staff see in lists."""
        return f"{self.first_name} {self.last_name}"

    def take_details(self, details: PersonDetails) -> bool:
        """Keep the details the person typed last, stop any purge clock; return if any changed."""
        changed = self.purge_at is not None
        for name, value in details.model_dump().items():
            if getattr(self, name) != value:
                setattr(self, name, value)
                changed = True
        self.purge_at = None
        return changed


class DuplicateReview(BaseModel):
    """A request staff took whose contact details match a person with an open case."""

    model_config = ConfigDict(frozen=True)

    #: The open case of the matching person, whose counsellor decides.
    case_id: UUID
    matched_on: tuple[str, ...]
    status: ReviewStatus = ReviewStatus.PENDING
    decided_at: datetime | None = None


class CepRequest(BaseModel):
    """One CEP request, as submitted."""

    request_id: UUID
    #: Its person; a provisional record while the request awaits duplicate review.
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
    case_id: UUID | None = None
    review: DuplicateReview | None = None
    purge_at: datetime | None = None

    @property
    def awaits_review(self) -> bool:
        """Return whether a counsellor still has to say whose request this is."""
        return self.review is not None and self.review.status is ReviewStatus.PENDING


class HistoryEntry(BaseModel):
    """One step of a case's life, kept across hand-overs; it names staff, never the person."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    action: str
    #: The actor's role.
    by: str
    #: The staff member who acted; never set when the beneficiary or a service acts.
    by_id: str | None = None
    counsellor_id: str | None = None
    detail: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _split_legacy_actor(cls, data: Any) -> Any:
        # Records written before by_id existed held "role:id" in `by`; a person's id is dropped.
        if isinstance(data, dict) and isinstance(data.get("by"), str) and ":" in data["by"]:
            role, _, who = data["by"].partition(":")
            staff = who if role in STAFF_ROLES else None
            return {**data, "by": role, "by_id": data.get("by_id") or staff}
        return data

    @classmethod
    def of(
        cls,
        action: CaseAction,
        by: Actor,
        at: datetime,
        *,
        counsellor_id: str | None = None,
        detail: str | None = None,
    ) -> HistoryEntry:
        """Return an entry for an action by an actor."""
        return cls(
            at=at,
            action=action.value,
            by=by.role,
            by_id=by.staff_id,
            counsellor_id=counsellor_id,
            detail=detail,
        )


class ScheduledAppointment(BaseModel):
    """An upcoming appointment as last announced, and when that announcement was made."""

    model_config = ConfigDict(frozen=True)

    starts_at: datetime
    as_of: datetime


class Case(BaseModel):
    """A beneficiary's guidance path, owned by one counsellor at a time."""

    case_id: UUID
    #: The request that opened it; an erased person's stub keeps none.
    request_id: UUID | None
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
    #: Documents signed, declined or expired: a late submission of one of them is stale news.
    settled_documents: list[str] = Field(default_factory=list)
    #: Signed summaries filed in the beneficiary's document space.
    delivered_documents: list[str] = Field(default_factory=list)
    #: When the latest signed summary reached the beneficiary's space.
    summary_delivered_at: datetime | None = None
    purge_at: datetime | None = None
    history: list[HistoryEntry] = Field(default_factory=list)
    #: Levels whose end-of-level survey was offered: one per level, however often it ends.
    surveyed_levels: list[ServiceLevel] = Field(default_factory=list)

    def model_post_init(self, context: Any, /) -> None:
        """Derive the activity date of a case loaded or created without one."""
        if self.last_activity_at is None:
            self.last_activity_at = self.last_contact_at or self.opened_at

    @property
    def is_open(self) -> bool:
        """Return whether the case is still followed."""
        return self.status is not CaseStatus.CLOSED

    @property
    def pending_signature(self) -> bool:
        """Return whether a summary waits for the beneficiary's signature."""
        return bool(self.pending_documents)

    def staff_ids(self) -> set[str]:
        """Return every staff member the case and its history name."""
        named = {self.counsellor_id} if self.counsellor_id else set()
        for entry in self.history:
            named.update(who for who in (entry.by_id, entry.counsellor_id) if who)
        return named

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
        """Note a summary signed, declined or expired."""
        if document_id in self.pending_documents:
            self.pending_documents.remove(document_id)
        if document_id not in self.settled_documents:
            self.settled_documents.append(document_id)

    def summary_delivered(self, document_id: str, *, at: datetime) -> None:
        """Note a signed summary filed in the beneficiary's space: settled, and delivered."""
        self.signature_settled(document_id)
        if document_id not in self.delivered_documents:
            self.delivered_documents.append(document_id)
        # Deliveries may arrive out of order: the latest one is what the caseload shows.
        if self.summary_delivered_at is None or at > self.summary_delivered_at:
            self.summary_delivered_at = at

    def reassign(self, to_counsellor_id: str, by: Actor, at: datetime) -> str | None:
        """Hand the case over, keeping the history; return the previous owner."""
        if not self.is_open:
            raise DomainError("a closed case cannot be reassigned")
        if to_counsellor_id == self.counsellor_id:
            raise DomainError("the case is already assigned to this counsellor")
        previous = self.counsellor_id
        self.counsellor_id = to_counsellor_id
        self.history.append(
            HistoryEntry.of(
                CaseAction.REASSIGNED,
                by,
                at,
                counsellor_id=to_counsellor_id,
                detail=f"from {previous or 'unassigned'}",
            )
        )
        return previous

    def change_level(self, level: ServiceLevel, by: Actor, at: datetime) -> ServiceLevel:
        """Requalify the service level; return the previous one."""
        if not self.is_open:
            raise DomainError("a closed case cannot change level")
        if level is self.service_level:
            raise DomainError("the case already has this service level")
        previous = self.service_level
        self.service_level = level
        self.history.append(
            HistoryEntry.of(CaseAction.LEVEL_CHANGED, by, at, detail=f"{previous} -> {level}")
        )
        return previous

    def take_level_survey(self, level: ServiceLevel) -> bool:
        """Note the level's end-of-level survey as offered; return False when it already was."""
        if level in self.surveyed_levels:
            return False
        self.surveyed_levels.append(level)
        return True

    def record_contact(self, at: datetime) -> None:
        """Note a contact with the beneficiary; the first one starts the path."""
        if self.last_contact_at is None or at > self.last_contact_at:
            self.last_contact_at = at
            self.last_activity_at = at
        if self.status is CaseStatus.OPENED:
            self.status = CaseStatus.IN_PROGRESS

    def call_attempted(self, outcome: CallOutcome, by: Actor, at: datetime) -> bool:
        """Note a call that did not reach the person, once; return whether it was new."""
        entry = HistoryEntry.of(CaseAction.CALL_ATTEMPTED, by, at, detail=outcome.value)
        # A replayed call_logged (past its consumer's markers) must not log the attempt twice:
        # the same counsellor ending a call at the same instant is the same call. MongoDB keeps
        # milliseconds, so instants are compared at that precision.
        for known in self.history:
            same = known.model_copy(update={"at": entry.at}) == entry
            if same and abs(known.at - entry.at) < timedelta(milliseconds=1):
                return False
        self.history.append(entry)
        return True

    def flag_duplicate(self, matched_on: tuple[str, ...], by: Actor, at: datetime) -> None:
        """Note a request staff took whose contact details match this case's person."""
        if not self.is_open:
            raise DomainError("only an open case takes possible duplicates")
        self.history.append(
            HistoryEntry.of(CaseAction.DUPLICATE_FLAGGED, by, at, detail=", ".join(matched_on))
        )

    def duplicate_reviewed(self, *, same_person: bool, by: Actor, at: datetime) -> None:
        """Note the counsellor's decision on a possible duplicate."""
        action = CaseAction.DUPLICATE_CONFIRMED if same_person else CaseAction.DUPLICATE_REJECTED
        self.history.append(HistoryEntry.of(action, by, at))

    def forget_beneficiary(self, *, stub_case_id: UUID, stub_beneficiary_id: UUID) -> None:
        """Cut every link to the person, keeping an anonymous stub of the path under new ids."""
        # Published events pair the old case id with the person's id, so the stub takes a new one.
        self.case_id = stub_case_id
        self.request_id = None
        self.beneficiary_id = stub_beneficiary_id
        self.appointments.clear()
        self.ended_appointments.clear()
        self.next_appointment_at = None
        self.pending_documents.clear()
        self.settled_documents.clear()
        self.delivered_documents.clear()
        # Only staff are ever named in a history; anyone else keeps their role alone.
        self.history = [
            entry if entry.by in STAFF_ROLES else entry.model_copy(update={"by_id": None})
            for entry in self.history
        ]

    def close(self, reason: CloseReason, by: Actor, at: datetime) -> int:
        """Close the case and return the path duration in days."""
        if not self.is_open:
            raise DomainError("the case is already closed")
        self.status = CaseStatus.CLOSED
        self.closed_at = at
        self.close_reason = reason
        self.purge_at = at + CLOSED_CASE_RETENTION
        self.history.append(HistoryEntry.of(CaseAction.CLOSED, by, at, detail=reason.value))
        return max(0, (at - self.opened_at).days)


class Counsellor(BaseModel):
    """A counsellor of the staff directory, with their current caseload size."""

    counsellor_id: str
    display_name: str | None = None
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

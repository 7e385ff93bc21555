"""Events published by the appointment service."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from jalon_shared.events import topics
from jalon_shared.events.envelope import Event, Upcaster
from jalon_shared.events.vocabulary import (
    AbsentParty,
    AppointmentKind,
    ConsentAnswer,
    Modality,
)

_Code = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")


class AppointmentBooked(Event):
    """An appointment was booked for a case."""

    TOPIC: ClassVar[str] = topics.APPOINTMENT
    KEY_FIELD: ClassVar[str] = "appointment_id"

    event_type: Literal["appointment.booked"] = "appointment.booked"
    schema_version: Literal[1] = 1
    appointment_id: UUID
    case_id: UUID
    beneficiary_id: UUID
    counsellor_id: str
    starts_at: AwareDatetime
    modality: Modality
    #: Added later, optional so older payloads still parse: what reporting slices on.
    ends_at: AwareDatetime | None = None
    kind: AppointmentKind | None = None
    region: str | None = _Code
    site: str | None = _Code
    #: "remote" or the site the meeting takes place at.
    place: str | None = _Code
    booked_by: str | None = Field(default=None, pattern=r"^(beneficiary|counsellor|manager)$")


def _rescheduled_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """Rename previous_starts_at to rescheduled_from, reading a naive v1 time as UTC."""
    upcast = {k: v for k, v in payload.items() if k != "previous_starts_at"}
    previous = payload.get("previous_starts_at")
    if isinstance(previous, str):
        try:
            parsed = datetime.fromisoformat(previous)
        except ValueError:
            parsed = None
        # v1 producers stamped times in UTC but the contract let the offset be left out.
        if parsed is not None and parsed.tzinfo is None:
            previous = parsed.replace(tzinfo=UTC).isoformat()
    upcast["rescheduled_from"] = previous
    upcast["schema_version"] = 2
    return upcast


# v2 renamed v1's previous_starts_at, which accepted a time without an offset, to
# rescheduled_from, which requires one: a v1 payload still in an outbox is upcast on the way in.
class AppointmentRescheduled(Event):
    """An appointment moved to another time."""

    TOPIC: ClassVar[str] = topics.APPOINTMENT
    KEY_FIELD: ClassVar[str] = "appointment_id"
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = {1: _rescheduled_v1_to_v2}

    event_type: Literal["appointment.rescheduled"] = "appointment.rescheduled"
    schema_version: Literal[2] = 2
    appointment_id: UUID
    case_id: UUID
    starts_at: AwareDatetime
    rescheduled_from: AwareDatetime
    ends_at: AwareDatetime | None = None
    moved_by: str | None = Field(default=None, pattern=r"^(beneficiary|counsellor|manager)$")


class AppointmentCancelled(Event):
    """An appointment was cancelled."""

    TOPIC: ClassVar[str] = topics.APPOINTMENT
    KEY_FIELD: ClassVar[str] = "appointment_id"

    event_type: Literal["appointment.cancelled"] = "appointment.cancelled"
    schema_version: Literal[1] = 1
    appointment_id: UUID
    case_id: UUID
    cancelled_by: str | None = Field(default=None, pattern=r"^(beneficiary|counsellor|manager)$")
    #: A reason code, never free text (free text may hold personal data).
    reason: str | None = Field(default=None, pattern=r"^[a-z_]{1,40}$")


class AppointmentHeld(Event):
    """An appointment took place: the counsellor and beneficiary were in contact."""

    TOPIC: ClassVar[str] = topics.APPOINTMENT
    KEY_FIELD: ClassVar[str] = "appointment_id"

    event_type: Literal["appointment.held"] = "appointment.held"
    schema_version: Literal[1] = 1
    appointment_id: UUID
    case_id: UUID
    modality: Modality
    starts_at: AwareDatetime | None = None
    region: str | None = _Code
    site: str | None = _Code
    #: Set on the case's first held appointment: the time to first appointment starts at the
    #: case's opening (intake.case_opened) and ends here.
    case_opened_at: AwareDatetime | None = None
    first_held: bool | None = None
    #: Where the outcome came from: the counsellor's page or an ended remote session.
    source: str | None = Field(default=None, pattern=r"^(counsellor|session)$")


class AppointmentNoShow(Event):
    """An appointment did not take place because someone was absent."""

    TOPIC: ClassVar[str] = topics.APPOINTMENT
    KEY_FIELD: ClassVar[str] = "appointment_id"

    event_type: Literal["appointment.no_show"] = "appointment.no_show"
    schema_version: Literal[1] = 1
    appointment_id: UUID
    case_id: UUID
    modality: Modality
    absent: AbsentParty
    starts_at: AwareDatetime | None = None
    region: str | None = _Code
    site: str | None = _Code


class AppointmentModalityChanged(Event):
    """An appointment was requalified to another modality, with the beneficiary's answer."""

    TOPIC: ClassVar[str] = topics.APPOINTMENT
    KEY_FIELD: ClassVar[str] = "appointment_id"

    event_type: Literal["appointment.modality_changed"] = "appointment.modality_changed"
    schema_version: Literal[1] = 1
    appointment_id: UUID
    case_id: UUID
    previous_modality: Modality
    #: The modality the appointment has now: the proposed one when accepted, else the previous.
    modality: Modality
    proposed_modality: Modality | None = None
    consent: ConsentAnswer
    consent_recorded_at: AwareDatetime
    requested_by: str = Field(pattern=r"^(counsellor|manager)$")
    #: Set when the change came from a whole site's closure.
    closure_id: UUID | None = None
    region: str | None = _Code
    site: str | None = _Code


class CollectiveSessionRegistered(Event):
    """A beneficiary registered for a collective information session (or left its waitlist)."""

    TOPIC: ClassVar[str] = topics.APPOINTMENT
    KEY_FIELD: ClassVar[str] = "session_id"

    event_type: Literal["appointment.session_registered"] = "appointment.session_registered"
    schema_version: Literal[1] = 1
    session_id: UUID
    registration_id: UUID
    beneficiary_id: UUID
    #: registered, waitlisted, promoted (from the waitlist), cancelled, attended or absent.
    status: str = Field(pattern=r"^(registered|waitlisted|promoted|cancelled|attended|absent)$")
    modality: Modality
    region: str | None = _Code
    site: str | None = _Code
    starts_at: AwareDatetime

"""Events published by the appointment service."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime

from jalon_shared.events import topics
from jalon_shared.events.envelope import Event, Upcaster
from jalon_shared.events.vocabulary import Modality


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


class AppointmentCancelled(Event):
    """An appointment was cancelled."""

    TOPIC: ClassVar[str] = topics.APPOINTMENT
    KEY_FIELD: ClassVar[str] = "appointment_id"

    event_type: Literal["appointment.cancelled"] = "appointment.cancelled"
    schema_version: Literal[1] = 1
    appointment_id: UUID
    case_id: UUID


class AppointmentHeld(Event):
    """An appointment took place: the counsellor and beneficiary were in contact."""

    TOPIC: ClassVar[str] = topics.APPOINTMENT
    KEY_FIELD: ClassVar[str] = "appointment_id"

    event_type: Literal["appointment.held"] = "appointment.held"
    schema_version: Literal[1] = 1
    appointment_id: UUID
    case_id: UUID
    modality: Modality

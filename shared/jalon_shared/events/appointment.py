"""Events published by the appointment service."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime

from jalon_shared.events import topics
from jalon_shared.events.envelope import Event
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


class AppointmentRescheduled(Event):
    """An appointment moved to another time."""

    TOPIC: ClassVar[str] = topics.APPOINTMENT
    KEY_FIELD: ClassVar[str] = "appointment_id"

    event_type: Literal["appointment.rescheduled"] = "appointment.rescheduled"
    schema_version: Literal[1] = 1
    appointment_id: UUID
    case_id: UUID
    starts_at: AwareDatetime
    previous_starts_at: datetime


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

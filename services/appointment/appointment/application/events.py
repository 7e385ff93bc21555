"""The events and notices an appointment's changes produce, built one way for every use case."""

from __future__ import annotations

from datetime import datetime

from appointment.domain.booking import Appointment, ConsentRecord, Party
from appointment.domain.notices import Notice, Template, appointment_notice, reminders
from jalon_shared.events.appointment import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentModalityChanged,
    AppointmentRescheduled,
)
from jalon_shared.events.envelope import EventMeta


def booked(appointment: Appointment, meta: EventMeta, by: Party) -> AppointmentBooked:
    """Return the event of a new booking."""
    return AppointmentBooked(
        **meta.envelope(),
        appointment_id=appointment.appointment_id,
        case_id=appointment.case_id,
        beneficiary_id=appointment.beneficiary_id,
        counsellor_id=appointment.counsellor_id,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        modality=appointment.modality,
        kind=appointment.kind,
        region=appointment.region or None,
        site=appointment.site or None,
        place=appointment.place,
        booked_by=by.value,
    )


def rescheduled(
    appointment: Appointment, previous: datetime, meta: EventMeta, by: Party
) -> AppointmentRescheduled:
    """Return the event of a move."""
    return AppointmentRescheduled(
        **meta.envelope(),
        appointment_id=appointment.appointment_id,
        case_id=appointment.case_id,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        rescheduled_from=previous,
        moved_by=by.value,
    )


def cancelled(appointment: Appointment, meta: EventMeta, by: Party) -> AppointmentCancelled:
    """Return the event of a cancellation."""
    return AppointmentCancelled(
        **meta.envelope(),
        appointment_id=appointment.appointment_id,
        case_id=appointment.case_id,
        cancelled_by=by.value,
        reason=appointment.reason,
    )


def modality_changed(
    appointment: Appointment, record: ConsentRecord, meta: EventMeta
) -> AppointmentModalityChanged:
    """Return the event of an answered requalification (the modality is the one now held)."""
    return AppointmentModalityChanged(
        **meta.envelope(),
        appointment_id=appointment.appointment_id,
        case_id=appointment.case_id,
        previous_modality=record.previous_modality,
        modality=appointment.modality if record.applied else record.previous_modality,
        proposed_modality=record.proposed_modality,
        consent=record.answer,
        consent_recorded_at=record.answered_at,
        requested_by=record.requested_by.value,
        closure_id=record.closure_id,
        region=appointment.region or None,
        site=appointment.site or None,
    )


def confirmation(template: Template, appointment: Appointment, now: datetime) -> list[Notice]:
    """Return the message about a change and, for a booked appointment, its reminders."""
    notices = [
        appointment_notice(
            template,
            appointment_id=appointment.appointment_id,
            beneficiary_id=appointment.beneficiary_id,
            sequence=appointment.sequence,
            now=now,
        )
    ]
    if template is not Template.CANCELLED:
        notices += reminders(
            appointment_id=appointment.appointment_id,
            beneficiary_id=appointment.beneficiary_id,
            sequence=appointment.sequence,
            starts_at=appointment.starts_at,
            now=now,
        )
    return notices

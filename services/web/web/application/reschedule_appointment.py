"""Use case: move an appointment to another free slot (or another due date when written)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from web.application.appointment_views import Appointment
from web.application.ports import AppointmentApi
from web.domain.sessions import Session


async def reschedule_appointment(
    session: Session, appointment_id: UUID, starts_at: datetime, *, appointments: AppointmentApi
) -> Appointment:
    """Move it; raises ApiError (409 slot_taken or inside_policy_window, 422 naming starts_at)."""
    return await appointments.reschedule(session.token, appointment_id, starts_at)

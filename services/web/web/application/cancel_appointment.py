"""Use case: cancel an appointment with a reason the person may give."""

from __future__ import annotations

from uuid import UUID

from jalon_shared.access import Role
from web.application.appointment_drafts import InvalidDraftError
from web.application.appointment_views import (
    BENEFICIARY_CANCEL_REASONS,
    STAFF_CANCEL_REASONS,
    Appointment,
    CancelReason,
)
from web.application.errors import FieldError
from web.application.ports import AppointmentApi
from web.domain.sessions import Session


def cancel_reasons(role: Role) -> tuple[CancelReason, ...]:
    """Return the reasons a persona chooses from."""
    return BENEFICIARY_CANCEL_REASONS if role is Role.BENEFICIARY else STAFF_CANCEL_REASONS


async def cancel_appointment(
    session: Session, appointment_id: UUID, reason: str, *, appointments: AppointmentApi
) -> Appointment:
    """Cancel it; raises InvalidDraftError for a reason not offered, ApiError when refused."""
    try:
        chosen = CancelReason(reason)
    except ValueError:
        chosen = None
    if chosen is None or chosen not in cancel_reasons(session.principal.role):
        raise InvalidDraftError([FieldError("reason", "enum")])
    return await appointments.cancel(session.token, appointment_id, chosen)

"""Use case: a counsellor records that an appointment was held, or missed and by whom."""

from __future__ import annotations

from uuid import UUID

from jalon_shared.events.vocabulary import AbsentParty
from web.application.appointment_drafts import InvalidDraftError
from web.application.appointment_views import Appointment, AppointmentStatus, NoShowReason
from web.application.errors import FieldError
from web.application.ports import AppointmentApi
from web.domain.sessions import Session


async def settle_appointment(
    session: Session,
    appointment_id: UUID,
    outcome: str,
    *,
    absent: str = "",
    reason: str = "",
    appointments: AppointmentApi,
) -> Appointment:
    """Record the outcome; a no-show names who was absent (the reason is optional)."""
    if outcome == AppointmentStatus.HELD:
        return await appointments.settle(
            session.token, appointment_id, status=AppointmentStatus.HELD
        )
    if outcome != AppointmentStatus.NO_SHOW:
        raise InvalidDraftError([FieldError("outcome", "enum")])
    errors: list[FieldError] = []
    party: AbsentParty | None = None
    try:
        party = AbsentParty(absent)
    except ValueError:
        errors.append(FieldError("absent", "missing" if not absent else "enum"))
    why: NoShowReason | None = None
    if reason:
        try:
            why = NoShowReason(reason)
        except ValueError:
            errors.append(FieldError("absent_reason", "enum"))
    if errors:
        raise InvalidDraftError(errors)
    return await appointments.settle(
        session.token, appointment_id, status=AppointmentStatus.NO_SHOW, absent=party, reason=why
    )

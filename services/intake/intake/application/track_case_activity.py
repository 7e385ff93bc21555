"""Use case: keep cases' contacts, appointments and signatures current from other services."""

from __future__ import annotations

from uuid import UUID

from intake.application.ports import IntakeTransaction
from jalon_shared.events.appointment import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentHeld,
    AppointmentNoShow,
    AppointmentRescheduled,
)
from jalon_shared.events.document import (
    DocumentDeclined,
    DocumentDelivered,
    DocumentExpired,
    DocumentSigned,
    DocumentSubmittedForSignature,
)
from jalon_shared.events.envelope import Event


def case_of(event: Event) -> UUID | None:
    """Return the case an activity event is about."""
    case_id = getattr(event, "case_id", None)
    return case_id if isinstance(case_id, UUID) else None


async def track_case_activity(event: Event, tx: IntakeTransaction) -> bool:
    """Fold an appointment or document event into its case; return whether it changed."""
    case_id = case_of(event)
    case = await tx.case(case_id) if case_id else None
    if case is None:
        return False
    match event:
        case AppointmentBooked() | AppointmentRescheduled():
            case.appointment_booked(
                str(event.appointment_id), event.starts_at, as_of=event.occurred_at
            )
        case AppointmentCancelled() | AppointmentNoShow():
            # A missed appointment is no contact, and no longer the next one.
            case.appointment_ended(str(event.appointment_id), held_at=None)
        case AppointmentHeld():
            case.appointment_ended(str(event.appointment_id), held_at=event.occurred_at)
        case DocumentSubmittedForSignature():
            case.signature_requested(str(event.document_id))
        case DocumentSigned() | DocumentDeclined() | DocumentExpired():
            case.signature_settled(str(event.document_id))
        case DocumentDelivered():
            case.summary_delivered(str(event.document_id), at=event.occurred_at)
        case _:
            return False
    await tx.save_case(case)
    return True

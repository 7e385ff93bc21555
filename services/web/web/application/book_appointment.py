"""Use case: book an appointment for a case, in a free slot (or with a due date when written)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from jalon_shared.events.vocabulary import AppointmentKind, Modality
from web.application.appointment_views import Appointment
from web.application.ports import AppointmentApi
from web.domain.sessions import Session


async def book_appointment(
    session: Session,
    case_id: UUID,
    modality: Modality,
    kind: AppointmentKind,
    starts_at: datetime,
    place: str | None = None,
    *,
    appointments: AppointmentApi,
) -> Appointment:
    """Book it; raises ApiError (409 slot_taken when someone was quicker, 422 naming a field)."""
    # Only a face-to-face meeting is held at the slot's site; the others are remote.
    chosen_place = place if modality is Modality.FACE_TO_FACE else None
    return await appointments.book(
        session.token,
        case_id,
        modality=modality,
        kind=kind,
        starts_at=starts_at,
        place=chosen_place,
    )

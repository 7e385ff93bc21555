"""Use case: staff propose to hold an appointment by phone or video; the beneficiary consents."""

from __future__ import annotations

from uuid import UUID

from jalon_shared.events.vocabulary import Modality
from web.application.appointment_drafts import InvalidDraftError
from web.application.appointment_views import REMOTE_MODALITIES, Appointment
from web.application.errors import FieldError
from web.application.ports import AppointmentApi
from web.domain.sessions import Session


async def propose_remote(
    session: Session, appointment_id: UUID, modality: str, *, appointments: AppointmentApi
) -> Appointment:
    """Propose the change; nothing changes until the beneficiary accepts it."""
    try:
        chosen = Modality(modality)
    except ValueError:
        chosen = None
    if chosen is None or chosen not in REMOTE_MODALITIES:
        raise InvalidDraftError([FieldError("modality", "enum")])
    return await appointments.requalify(session.token, appointment_id, chosen)

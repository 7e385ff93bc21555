"""Use case: ask to hear of an earlier free slot with one's counsellor, or stop asking."""

from __future__ import annotations

from uuid import UUID

from web.application.appointment_views import Waitlist
from web.application.ports import AppointmentApi
from web.domain.sessions import Session


async def set_waitlist(
    session: Session, case_id: UUID, *, waiting: bool, appointments: AppointmentApi
) -> Waitlist:
    """Join or leave the waitlist of the case's counsellor; raises ApiError when refused."""
    return await appointments.set_waitlist(session.token, case_id, waiting=waiting)

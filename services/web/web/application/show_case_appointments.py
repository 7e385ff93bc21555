"""Use case: a case's appointments, as its page shows them to the counsellor."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

import structlog

from web.application.appointment_views import Appointment
from web.application.errors import ApiError
from web.application.ports import AppointmentApi, IntakeApi
from web.application.show_caseload import own_region
from web.domain.sessions import Session

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class CaseAppointments:
    """Booked (soonest first, past ones still to settle), then settled or cancelled (latest
    first); `upcoming` is None when the service is unavailable."""

    upcoming: list[Appointment] | None
    past: list[Appointment] = field(default_factory=list)
    sites: dict[str, str] = field(default_factory=dict)


async def show_case_appointments(
    session: Session,
    case_id: UUID,
    *,
    appointments: AppointmentApi | None,
    intake: IntakeApi,
) -> CaseAppointments:
    """Read the case's appointments and the region's site names; never raises."""
    if appointments is None:
        return CaseAppointments(upcoming=None)
    try:
        found = await appointments.case_appointments(session.token, case_id)
    except ApiError as exc:
        log.warning("case appointments unavailable", status=exc.status)
        return CaseAppointments(upcoming=None)
    region = await own_region(session, intake=intake)
    # Booked ones stay in the first list once past: the counsellor still records how they went.
    booked = [a for a in found if a.is_booked]
    settled = [a for a in found if not a.is_booked]
    return CaseAppointments(
        upcoming=sorted(booked, key=lambda a: a.starts_at),
        past=sorted(settled, key=lambda a: a.starts_at, reverse=True),
        sites={s.code: s.label for s in region.sites} if region else {},
    )

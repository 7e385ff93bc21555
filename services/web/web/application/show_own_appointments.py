"""Use case: the beneficiary's appointments, ahead and past, and the case they are booked for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

import structlog

from web.application.appointment_views import Appointment
from web.application.errors import ApiError
from web.application.find_own_case import OwnCase, find_own_case
from web.application.ports import AppointmentApi, IntakeApi
from web.domain.sessions import Session

log = structlog.get_logger(__name__)

#: A beneficiary moves or cancels alone until this long before the start (the service's policy).
SELF_SERVICE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class OwnAppointments:
    """What "Mes rendez-vous" shows; each part may be missing on its own."""

    case: OwnCase | None
    case_unavailable: bool = False
    #: None when the appointment service could not be read.
    upcoming: list[Appointment] | None = None
    past: list[Appointment] = field(default_factory=list)
    #: Appointments the beneficiary may still move or cancel themselves.
    changeable: frozenset[UUID] = frozenset()
    #: Site code -> name, for the places shown.
    sites: dict[str, str] = field(default_factory=dict)


def self_service(appointment: Appointment, now: datetime) -> bool:
    """Return whether the beneficiary may still move or cancel the appointment alone."""
    return appointment.is_booked and appointment.starts_at - now >= SELF_SERVICE_WINDOW


async def site_names(session: Session, *, intake: IntakeApi) -> dict[str, str]:
    """Return every site's name by code (empty when the reference data is unavailable)."""
    try:
        regions = await intake.regions(session.token)
    except ApiError as exc:
        log.warning("reference data unavailable", status=exc.status)
        return {}
    return {s.code: s.label for r in regions for s in r.sites}


async def show_own_appointments(
    session: Session, *, intake: IntakeApi, appointments: AppointmentApi, now: datetime
) -> OwnAppointments:
    """Read the open case, the appointments (ahead first, soonest first) and the site names."""
    try:
        case = await find_own_case(session, intake=intake)
        case_unavailable = False
    except ApiError as exc:
        log.warning("own case unavailable", status=exc.status)
        case, case_unavailable = None, True
    sites = await site_names(session, intake=intake)
    try:
        found = await appointments.my_appointments(session.token)
    except ApiError as exc:
        log.warning("appointments unavailable", status=exc.status)
        return OwnAppointments(case=case, case_unavailable=case_unavailable, sites=sites)
    upcoming = sorted(
        (a for a in found if a.is_booked and a.ends_at > now), key=lambda a: a.starts_at
    )
    past = sorted(
        (a for a in found if not (a.is_booked and a.ends_at > now)),
        key=lambda a: a.starts_at,
        reverse=True,
    )
    return OwnAppointments(
        case=case,
        case_unavailable=case_unavailable,
        upcoming=upcoming,
        past=past,
        changeable=frozenset(a.appointment_id for a in upcoming if self_service(a, now)),
        sites=sites,
    )

"""Use case: a counsellor's agenda for a day or a week, in local time."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal
from uuid import UUID

import structlog

from web.application.appointment_drafts import local_midnight
from web.application.appointment_views import LOCAL_ZONE, Appointment
from web.application.errors import ApiError
from web.application.ports import AppointmentApi, IntakeApi
from web.application.show_caseload import own_region
from web.application.views import CaseloadFilters
from web.domain.sessions import Session

log = structlog.get_logger(__name__)

AgendaView = Literal["day", "week"]
#: How many of the caseload's cases are read to name the people of the agenda.
NAMED_CASES = 200


@dataclass(frozen=True, slots=True)
class AgendaDay:
    """One local day and its appointments, earliest first."""

    day: date
    appointments: list[Appointment]


@dataclass(frozen=True, slots=True)
class Agenda:
    """A day or a week (Monday to Sunday), with the people's names and the sites' names."""

    view: AgendaView
    first_day: date
    last_day: date
    days: list[AgendaDay]
    previous: date
    next: date
    names: dict[UUID, str] = field(default_factory=dict)
    sites: dict[str, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """Return how many appointments the period holds."""
        return sum(len(d.appointments) for d in self.days)


def period(view: AgendaView, day: date) -> tuple[date, date]:
    """Return the first and last day shown: the day, or its week from Monday."""
    if view == "day":
        return day, day
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


async def case_names(session: Session, *, intake: IntakeApi) -> dict[UUID, str]:
    """Return the caseload's people by case (empty when the caseload is unavailable)."""
    try:
        items = await intake.caseload(session.token, CaseloadFilters(), limit=NAMED_CASES, offset=0)
    except ApiError as exc:
        log.warning("caseload unavailable for the agenda", status=exc.status)
        return {}
    return {i.case_id: i.beneficiary_name for i in items if i.beneficiary_name}


async def show_agenda(
    session: Session,
    view: AgendaView,
    day: date,
    *,
    appointments: AppointmentApi,
    intake: IntakeApi,
) -> Agenda:
    """Read the period's appointments (raises ApiError), then names and sites (each optional)."""
    first, last = period(view, day)
    found = await appointments.agenda(
        session.token, local_midnight(first), local_midnight(last + timedelta(days=1))
    )
    by_day: dict[date, list[Appointment]] = defaultdict(list)
    for appointment in sorted(found, key=lambda a: a.starts_at):
        by_day[appointment.starts_at.astimezone(LOCAL_ZONE).date()].append(appointment)
    length = timedelta(days=(last - first).days + 1)
    region = await own_region(session, intake=intake)
    return Agenda(
        view=view,
        first_day=first,
        last_day=last,
        days=[
            AgendaDay(first + timedelta(days=n), by_day[first + timedelta(days=n)])
            for n in range(length.days)
        ],
        previous=first - length,
        next=first + length,
        names=await case_names(session, intake=intake) if found else {},
        sites={s.code: s.label for s in region.sites} if region else {},
    )

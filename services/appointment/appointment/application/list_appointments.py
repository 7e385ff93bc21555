"""Use cases: a beneficiary's appointments, a counsellor's agenda, a case's appointments."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from appointment.application.access import reachable_appointment, reachable_case
from appointment.application.errors import ForbiddenError, InvalidInputError
from appointment.application.ports import AppointmentQueries, CaseDirectory
from appointment.domain.booking import Appointment
from jalon_shared.access import Principal, Role

#: The longest agenda one call returns.
MAX_AGENDA = timedelta(days=62)


async def my_appointments(queries: AppointmentQueries, principal: Principal) -> list[Appointment]:
    """Return the calling beneficiary's appointments (the token's subject, never a parameter)."""
    beneficiary_id = principal.beneficiary_id()
    if beneficiary_id is None:
        raise ForbiddenError("this list is a beneficiary's own")
    return await queries.of_beneficiary(beneficiary_id)


async def agenda(
    queries: AppointmentQueries, principal: Principal, start: datetime, end: datetime
) -> list[Appointment]:
    """Return the calling counsellor's appointments in a period."""
    if principal.role is not Role.COUNSELLOR:
        raise ForbiddenError("an agenda is a counsellor's own")
    if end <= start:
        raise InvalidInputError("to", "ends_before_start", "the period ends after it starts")
    if end - start > MAX_AGENDA:
        raise InvalidInputError("to", "too_long", "an agenda covers at most 62 days")
    return await queries.of_counsellor(principal.sub, start, end)


async def case_appointments(
    queries: AppointmentQueries, directory: CaseDirectory, principal: Principal, case_id: UUID
) -> list[Appointment]:
    """Return a case's appointments to someone who may reach the case."""
    await reachable_case(directory, principal, case_id)
    return await queries.of_case(case_id)


async def get_appointment(
    queries: AppointmentQueries,
    directory: CaseDirectory,
    principal: Principal,
    appointment_id: UUID,
) -> Appointment:
    """Return one appointment the caller may see."""
    return await reachable_appointment(
        directory, principal, await queries.appointment(appointment_id)
    )

"""Use case: an ended remote session holds its appointment, as the counsellor's "held" does."""

from __future__ import annotations

from datetime import datetime

import structlog

from appointment.application.errors import ConflictError, NotFoundError
from appointment.application.ports import AppointmentQueries, CaseDirectory, UnitOfWork
from appointment.application.settle_appointment import SettleAppointment, settle_appointment
from appointment.domain.booking import REMOTE_MODALITIES, Appointment, Status
from jalon_shared.access import Principal, Role
from jalon_shared.events.envelope import Event, EventMeta
from jalon_shared.events.session import SessionEnded

log = structlog.get_logger(__name__)

#: Who settles an appointment from a session: the remote-session service, never a person.
SESSION_SERVICE = Principal(sub="remote_session", role=Role.SERVICE)
#: The source appointment.held names for an outcome measured by a session.
SOURCE = "session"


async def hold_from_session(
    uow: UnitOfWork,
    queries: AppointmentQueries,
    directory: CaseDirectory,
    event: Event,
    *,
    now: datetime,
    meta: EventMeta,
) -> Appointment | None:
    """Hold the appointment an ended session was for; None when there is nothing to change."""
    if not isinstance(event, SessionEnded) or event.appointment_id is None:
        return None
    current = await queries.appointment(event.appointment_id)
    if current is None:
        # Erased since, or a room this service never booked: nothing to hold, nothing to retry.
        log.info("session ended for no known appointment")
        return None
    if event.case_id is not None and event.case_id != current.case_id:
        log.warning("session ended for an appointment of another case")
        return None
    if current.status is not Status.BOOKED:
        # Redelivered, or already settled by the counsellor or cancelled: it stays as it is.
        log.info("session ended for a settled appointment", status=current.status.value)
        return None
    # A session runs by phone or video; anything else would not be a measure of it.
    used = event.modality if event.modality in REMOTE_MODALITIES else None
    command = SettleAppointment(
        appointment_id=current.appointment_id, status=Status.HELD, modality=used
    )
    try:
        return await settle_appointment(
            uow,
            queries,
            directory,
            SESSION_SERVICE,
            command,
            # The session is the proof it took place: one that ended before the booked start
            # (both joined early) still holds it, where a counsellor's early "held" is refused.
            now=max(now, current.starts_at),
            meta=meta,
            source=SOURCE,
        )
    except NotFoundError:
        log.info("session ended for no known appointment")
        return None
    except ConflictError as exc:
        if exc.reason != "not_booked":
            raise
        # Settled or cancelled between the read above and the transaction.
        log.info("session ended for an appointment settled meanwhile")
        return None

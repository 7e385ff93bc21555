"""The appointment topic's subscriber: rooms follow their appointments and collective sessions.

Each event is applied inside the idempotent consumer's transaction, next to its processed
marker, so a redelivery changes nothing; the use cases also ignore what is older than the
room's last change, so a replay never reopens a cancelled room nor moves one back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from jalon_shared.events.appointment import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentModalityChanged,
    AppointmentRescheduled,
    CollectiveSessionRegistered,
)
from jalon_shared.events.envelope import Event, EventMeta
from jalon_shared.mongo import Session
from remote_session.adapters.mongo import MongoUnitOfWork
from remote_session.application.close_room import close_room
from remote_session.application.move_room import move_room
from remote_session.application.open_room import Booking, open_room
from remote_session.application.track_collective_registration import (
    track_collective_registration,
)
from remote_session.domain.rooms import REMOTE_MODALITIES, RoomPolicy


def follow_appointments(
    uow: MongoUnitOfWork, policy: RoomPolicy, *, producer: str
) -> Callable[[Event, Session], Awaitable[None]]:
    """Return the handler that opens, moves and closes rooms from appointment events."""

    async def handle(event: Event, session: Session) -> None:
        joined = uow.joining(session)
        meta = EventMeta(
            correlation_id=event.correlation_id,
            causation_id=str(event.event_id),
            producer=producer,
        )
        match event:
            case AppointmentBooked():
                await open_room(
                    joined,
                    policy,
                    appointment_id=event.appointment_id,
                    modality=event.modality,
                    at=event.occurred_at,
                    meta=meta,
                    booking=Booking(
                        appointment_id=event.appointment_id,
                        case_id=event.case_id,
                        beneficiary_id=event.beneficiary_id,
                        counsellor_id=event.counsellor_id,
                        starts_at=event.starts_at,
                        ends_at=event.ends_at,
                        modality=event.modality,
                        region=event.region,
                    ),
                )
            case AppointmentRescheduled():
                await move_room(
                    joined,
                    policy,
                    appointment_id=event.appointment_id,
                    starts_at=event.starts_at,
                    ends_at=event.ends_at,
                    at=event.occurred_at,
                )
            case AppointmentCancelled():
                await close_room(joined, appointment_id=event.appointment_id, at=event.occurred_at)
            case AppointmentModalityChanged():
                if event.modality in REMOTE_MODALITIES:
                    await open_room(
                        joined,
                        policy,
                        appointment_id=event.appointment_id,
                        modality=event.modality,
                        at=event.occurred_at,
                        meta=meta,
                    )
                else:
                    await close_room(
                        joined,
                        appointment_id=event.appointment_id,
                        at=event.occurred_at,
                        in_person=True,
                    )
            case CollectiveSessionRegistered():
                await track_collective_registration(
                    joined,
                    policy,
                    session_id=event.session_id,
                    beneficiary_id=event.beneficiary_id,
                    status=event.status,
                    modality=event.modality,
                    region=event.region,
                    starts_at=event.starts_at,
                    at=event.occurred_at,
                    meta=meta,
                )
            case _:
                return

    return handle

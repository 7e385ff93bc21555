"""Use case: a phone or video appointment gets its room (appointment.booked, modality_changed).

Runs in the appointment consumer's transaction. A booked appointment's room is made once: a
redelivered or replayed booking changes nothing. A change to phone or video opens a room closed
for a face-to-face meeting again, unless the appointment was cancelled or the change is older
than the last one applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import structlog

from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import Modality
from remote_session.application.room_events import session_opened
from remote_session.application.room_ports import RoomTransaction, RoomUnitOfWork
from remote_session.domain.rooms import Room, RoomPolicy, one_to_one_room_id

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Booking:
    """What appointment.booked says about the appointment a room is for."""

    appointment_id: UUID
    case_id: UUID
    beneficiary_id: UUID
    counsellor_id: str
    starts_at: datetime
    ends_at: datetime | None
    modality: Modality
    region: str | None


async def open_room(
    uow: RoomUnitOfWork,
    policy: RoomPolicy,
    *,
    appointment_id: UUID,
    modality: Modality,
    at: datetime,
    meta: EventMeta,
    booking: Booking | None = None,
) -> Room | None:
    """Make or reopen the appointment's room; session.opened when it opens for its people."""

    async def work(tx: RoomTransaction) -> Room | None:
        before = await tx.room(one_to_one_room_id(appointment_id))
        after: Room
        if before is None:
            if booking is None:
                # A change of modality for an appointment this service never saw booked.
                log.info("modality change without a booked appointment")
                return None
            if await tx.beneficiary_erased(booking.beneficiary_id):
                log.info("room of an erased beneficiary not opened")
                return None
            after = Room.for_appointment(
                appointment_id=booking.appointment_id,
                case_id=booking.case_id,
                beneficiary_id=booking.beneficiary_id,
                counsellor_id=booking.counsellor_id,
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                modality=booking.modality,
                region=booking.region,
                policy=policy,
                at=at,
            )
        elif booking is not None:
            return before  # a redelivered or replayed booking
        else:
            after = before.requalified(modality, at)
        if after == before:
            return before
        await tx.save_room(after)
        if after.offered and (before is None or not before.offered):
            tx.publish(session_opened(after, meta))
            log.info("room opened", room_id=str(after.room_id), modality=after.modality.value)
        return after

    return await uow.run(work)

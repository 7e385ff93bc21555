"""Use case: a rescheduled appointment moves its room (appointment.rescheduled).

A move older than the last change applied (a redelivery, a replay) moves nothing back, and a
cancelled, live or ended room stays where it is.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import structlog

from remote_session.application.room_ports import RoomTransaction, RoomUnitOfWork
from remote_session.domain.rooms import Room, RoomPolicy, one_to_one_room_id

log = structlog.get_logger(__name__)


async def move_room(
    uow: RoomUnitOfWork,
    policy: RoomPolicy,
    *,
    appointment_id: UUID,
    starts_at: datetime,
    ends_at: datetime | None,
    at: datetime,
) -> Room | None:
    """Move the room's times and joinable window to the appointment's new time."""

    async def work(tx: RoomTransaction) -> Room | None:
        room = await tx.room(one_to_one_room_id(appointment_id))
        if room is None:
            log.info("move of an appointment without a room")
            return None
        moved = room.moved(starts_at, ends_at, policy, at)
        if moved != room:
            await tx.save_room(moved)
        return moved

    return await uow.run(work)

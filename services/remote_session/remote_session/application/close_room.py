"""Use case: a room closes when its appointment is cancelled or requalified to face to face.

A cancellation is final: no later or replayed event opens the room again. A change to face to
face closes it until a change back to phone or video (open_room).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import structlog

from jalon_shared.events.vocabulary import Modality
from remote_session.application.room_ports import RoomTransaction, RoomUnitOfWork
from remote_session.domain.rooms import Room, one_to_one_room_id

log = structlog.get_logger(__name__)


async def close_room(
    uow: RoomUnitOfWork,
    *,
    appointment_id: UUID,
    at: datetime,
    in_person: bool = False,
) -> Room | None:
    """Close the appointment's room: cancelled for good, or until it is remote again."""

    async def work(tx: RoomTransaction) -> Room | None:
        room = await tx.room(one_to_one_room_id(appointment_id))
        if room is None:
            log.info("close of an appointment without a room")
            return None
        closed = room.requalified(Modality.FACE_TO_FACE, at) if in_person else room.cancel(at)
        if closed != room:
            await tx.save_room(closed)
            log.info("room closed", room_id=str(room.room_id), in_person=in_person)
        return closed

    return await uow.run(work)

"""Use case: the counsellor or presenter ends the session for everyone.

session.ended carries the measured duration (from the moment both sides were first connected
to now), the modality actually used and whether someone dropped to audio only. A room ended
before anyone met in it ends without the event: no session took place.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import structlog

from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import ParticipantRole
from remote_session.application.errors import ConflictError, ForbiddenError, NotFoundError
from remote_session.application.room_events import session_ended
from remote_session.application.room_ports import RoomTransaction, RoomUnitOfWork
from remote_session.domain.rooms import STAFF_ROLES, Room, RoomNotOpenError

log = structlog.get_logger(__name__)


def finish(tx: RoomTransaction, room: Room, at: datetime, meta: EventMeta) -> Room:
    """Return the room ended at a time, its event staged when a session took place."""
    try:
        ended = room.ended(at)
    except RoomNotOpenError as exc:
        raise ConflictError(exc.reason, str(exc), field="room_id") from exc
    if ended.took_place:
        tx.publish(session_ended(ended, meta))
    return ended


async def end_session(
    uow: RoomUnitOfWork,
    room_id: UUID,
    *,
    ended_by: ParticipantRole,
    now: datetime,
    meta: EventMeta,
) -> Room:
    """End the room now and publish what the session measured."""
    if ended_by not in STAFF_ROLES:
        raise ForbiddenError(
            "only the counsellor or presenter ends the session", reason="not_allowed"
        )

    async def work(tx: RoomTransaction) -> Room:
        room = await tx.room(room_id)
        if room is None:
            raise NotFoundError("no such room")
        ended = finish(tx, room, now, meta)
        await tx.save_room(ended)
        return ended

    ended = await uow.run(work)
    log.info(
        "session ended",
        room_id=str(room_id),
        took_place=ended.took_place,
        duration_seconds=ended.duration_seconds,
    )
    return ended

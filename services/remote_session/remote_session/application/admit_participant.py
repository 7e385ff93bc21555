"""Use case: the counsellor or presenter lets a waiting beneficiary or attendee in, for good."""

from __future__ import annotations

from uuid import UUID

import structlog

from jalon_shared.events.vocabulary import ParticipantRole
from remote_session.application.errors import ForbiddenError, NotFoundError
from remote_session.application.room_ports import RoomTransaction, RoomUnitOfWork
from remote_session.domain.rooms import STAFF_ROLES, NotAParticipantError, Room

log = structlog.get_logger(__name__)


async def admit_participant(
    uow: RoomUnitOfWork,
    room_id: UUID,
    *,
    admitted_by: ParticipantRole,
    participant_id: str,
) -> Room:
    """Store the admission with the room, so a reconnection skips the lobby."""
    if admitted_by not in STAFF_ROLES:
        raise ForbiddenError("only the counsellor or presenter admits", reason="not_allowed")

    async def work(tx: RoomTransaction) -> Room:
        room = await tx.room(room_id)
        if room is None:
            raise NotFoundError("no such room")
        try:
            admitted = room.admit(participant_id)
        except NotAParticipantError as exc:
            raise ForbiddenError(str(exc), reason=exc.reason, field="participant_id") from exc
        if admitted != room:
            await tx.save_room(admitted)
        return admitted

    room = await uow.run(work)
    log.info("participant admitted", room_id=str(room_id))
    return room

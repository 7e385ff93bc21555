"""Use case: a started session nobody came back to ends at its last leave.

A room empty for the grace period after its last participant left (a closed tab, a lost
network, no "end") ends at that last leave, so the duration measured is the time people were
really together, never the grace period on top.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import structlog

from jalon_shared.events.envelope import EventMeta
from remote_session.application.end_session import finish
from remote_session.application.room_ports import RoomQueries, RoomTransaction, RoomUnitOfWork
from remote_session.domain.rooms import Room, RoomPolicy

log = structlog.get_logger(__name__)


async def end_if_empty(
    uow: RoomUnitOfWork, room_id: UUID, policy: RoomPolicy, *, now: datetime, meta: EventMeta
) -> Room | None:
    """End one room at its last leave if it is still empty past the grace period."""

    async def work(tx: RoomTransaction) -> Room | None:
        room = await tx.room(room_id)
        # Someone may have come back since the query: read again inside the transaction.
        if room is None or room.last_left_at is None or not room.empty_for(now, policy.empty_grace):
            return None
        done = finish(tx, room, room.last_left_at, meta)
        await tx.save_room(done)
        return done

    return await uow.run(work)


async def sweep_empty_rooms(
    uow: RoomUnitOfWork,
    queries: RoomQueries,
    policy: RoomPolicy,
    *,
    now: datetime,
    meta: EventMeta,
) -> list[Room]:
    """End every session empty for the grace period; return the rooms ended."""
    ended: list[Room] = []
    for candidate in await queries.empty_rooms(now - policy.empty_grace):
        done = await end_if_empty(uow, candidate.room_id, policy, now=now, meta=meta)
        if done is not None:
            ended.append(done)
            log.info("empty session ended", room_id=str(done.room_id))
    return ended

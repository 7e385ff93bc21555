"""Use case: a collective session's room follows its registrations (session_registered).

The first registration for a phone or video session opens its room; each later one updates the
beneficiary's latest status, which puts them on the roster (registered, promoted, attended) or
takes them off. An older status than the one kept changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import structlog

from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import Modality
from remote_session.application.room_events import session_opened
from remote_session.application.room_ports import RoomTransaction, RoomUnitOfWork
from remote_session.domain.rooms import REMOTE_MODALITIES, Room, RoomPolicy, collective_room_id

log = structlog.get_logger(__name__)


async def track_collective_registration(
    uow: RoomUnitOfWork,
    policy: RoomPolicy,
    *,
    session_id: UUID,
    beneficiary_id: UUID,
    status: str,
    modality: Modality,
    region: str | None,
    starts_at: datetime,
    at: datetime,
    meta: EventMeta,
) -> Room | None:
    """Open the session's room if needed, and note the beneficiary's registration status."""

    async def work(tx: RoomTransaction) -> Room | None:
        before = await tx.room(collective_room_id(session_id))
        room = before
        if room is None:
            if modality not in REMOTE_MODALITIES:
                return None
            room = Room.for_collective(
                session_id=session_id,
                modality=modality,
                region=region,
                starts_at=starts_at,
                policy=policy,
                at=at,
            )
            tx.publish(session_opened(room, meta))
            log.info("collective room opened", room_id=str(room.room_id))
        if await tx.beneficiary_erased(beneficiary_id):
            log.info("registration of an erased beneficiary not kept")
        else:
            room = room.registered(
                beneficiary_id, status, at=at, starts_at=starts_at, policy=policy
            )
        if room != before:
            await tx.save_room(room)
        return room

    return await uow.run(work)

"""Use case: what the media relay saw is kept with the room: joins, leaves, audio only, video.

A participant whose media connects joins the room (session.participant_joined, a rejoin when
they had been in before); the session starts when the counsellor or presenter and a beneficiary
or attendee are first connected together. A participant whose media goes leaves it
(session.participant_left with the reason). Repeated reports change nothing and publish nothing.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

import structlog

from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import LeaveReason, ParticipantRole
from remote_session.application.room_events import participant_joined, participant_left
from remote_session.application.room_ports import RoomTransaction, RoomUnitOfWork
from remote_session.domain.rooms import Room

log = structlog.get_logger(__name__)


class MediaChange(StrEnum):
    """What the relay reports about one participant."""

    JOINED = "joined"
    LEFT = "left"
    AUDIO_ONLY = "audio_only"
    VIDEO_FLOWED = "video_flowed"


async def record_media_state(
    uow: RoomUnitOfWork,
    room_id: UUID,
    participant_id: str,
    change: MediaChange,
    *,
    now: datetime,
    meta: EventMeta,
    role: ParticipantRole | None = None,
    reason: LeaveReason = LeaveReason.DROPPED,
) -> Room | None:
    """Apply the change to the room and publish its event; None when the room is gone."""
    if change is MediaChange.JOINED and role is None:
        raise ValueError("a join names the participant's role")

    async def work(tx: RoomTransaction) -> Room | None:
        room = await tx.room(room_id)
        if room is None:
            return None
        after = room
        if change is MediaChange.JOINED and role is not None:
            after = room.joined(participant_id, role, now)
            if after != room:
                rejoin = participant_id in room.attended
                tx.publish(
                    participant_joined(after, participant_id, role, rejoin=rejoin, meta=meta)
                )
        elif change is MediaChange.LEFT:
            presence = room.present(participant_id)
            after = room.left(participant_id, now)
            if presence is not None:
                tx.publish(participant_left(after, participant_id, presence.role, reason, meta))
        elif change is MediaChange.AUDIO_ONLY:
            after = room.flagged(audio_only=True)
        elif change is MediaChange.VIDEO_FLOWED:
            after = room.flagged(video_flowed=True)
        if after != room:
            await tx.save_room(after)
            if after.started_at is not None and room.started_at is None:
                log.info("session started", room_id=str(room_id))
        return after

    return await uow.run(work)

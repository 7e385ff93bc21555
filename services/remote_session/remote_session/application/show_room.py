"""Use case: a participant reads a room: its times, status, whether it can be joined, their role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from jalon_shared.access import Principal
from jalon_shared.events.vocabulary import ParticipantRole
from remote_session.application.ports import CaseDirectory
from remote_session.application.room_access import reachable_room
from remote_session.application.room_ports import RoomQueries
from remote_session.domain.rooms import Room


@dataclass(frozen=True, slots=True)
class RoomPage:
    """A room as one participant sees it now."""

    room: Room
    role: ParticipantRole
    joinable: bool


async def show_room(
    queries: RoomQueries,
    directory: CaseDirectory,
    principal: Principal,
    room_id: UUID,
    *,
    now: datetime,
) -> RoomPage:
    """Return the room to one of its participants; anyone else is told it does not exist."""
    room, role = await reachable_room(queries, directory, principal, room_id)
    return RoomPage(room, role, room.joinable(now))

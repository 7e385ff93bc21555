"""Who a caller is in a room: the case's beneficiary and counsellor, or a session's people.

A one-to-one room is reached by its case's beneficiary and the case's counsellor now (the
directory copy follows hand-overs); a collective room by its registered beneficiaries and the
staff of its region. Anyone else is told the room does not exist, so an id confirms nothing.
"""

from __future__ import annotations

from uuid import UUID

from jalon_shared.access import Principal, Role
from jalon_shared.events.vocabulary import ParticipantRole
from remote_session.application.errors import NotFoundError
from remote_session.application.ports import CaseDirectory
from remote_session.application.room_ports import RoomQueries
from remote_session.domain.rooms import Room

#: The roles that may take a place in a room; services and others never do.
PEOPLE = frozenset({Role.BENEFICIARY, Role.COUNSELLOR, Role.MANAGER})


async def role_in(
    directory: CaseDirectory, principal: Principal, room: Room
) -> ParticipantRole | None:
    """Return the caller's role in the room, or None when they have no place in it."""
    if principal.role not in PEOPLE or not room.is_remote:
        return None
    counsellor: str | None = None
    if room.case_id is not None and principal.role is Role.COUNSELLOR:
        case = await directory.case(room.case_id)
        counsellor = case.counsellor_id if case is not None else None
    return room.role_of(
        principal.sub,
        staff=principal.is_staff,
        region=principal.region,
        counsellor_id=counsellor,
    )


async def existing_room(queries: RoomQueries, room_id: UUID) -> Room:
    """Return a phone or video room, or not found (a face-to-face appointment has none)."""
    room = await queries.room(room_id)
    if room is None or not room.is_remote:
        raise NotFoundError("no such room")
    return room


async def reachable_room(
    queries: RoomQueries, directory: CaseDirectory, principal: Principal, room_id: UUID
) -> tuple[Room, ParticipantRole]:
    """Return a room the caller has a place in, with their role; anyone else gets not found."""
    room = await existing_room(queries, room_id)
    role = await role_in(directory, principal, room)
    if role is None:
        raise NotFoundError("no such room")
    return room, role

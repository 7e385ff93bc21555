"""Use case: a participant takes a ticket to join a room's signalling, within its window.

The ticket names the room, the person, their role and the name the lobby shows: a beneficiary's
first name and the initial of their last name (from intake), a staff member's display name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import structlog

from jalon_shared.access import Principal
from jalon_shared.events.vocabulary import ParticipantRole
from remote_session.application.errors import ConflictError, ForbiddenError
from remote_session.application.ports import CaseDirectory, PeopleUnavailableError
from remote_session.application.room_access import existing_room, role_in
from remote_session.application.room_ports import IssuedTicket, Names, RoomQueries, Tickets
from remote_session.application.show_room import RoomPage
from remote_session.domain.rooms import GUEST_ROLES

log = structlog.get_logger(__name__)

#: What the lobby shows when a name cannot be read: the role, in French.
ROLE_LABELS: dict[ParticipantRole, str] = {
    ParticipantRole.COUNSELLOR: "Conseiller",
    ParticipantRole.BENEFICIARY: "Participant",
    ParticipantRole.PRESENTER: "Animateur",
    ParticipantRole.ATTENDEE: "Participant",
}


@dataclass(frozen=True, slots=True)
class TicketPage:
    """A room ticket, and the room as its holder sees it."""

    ticket: IssuedTicket
    page: RoomPage


async def display_name(names: Names, participant_id: str, role: ParticipantRole) -> str:
    """Return the participant's name for the lobby, or their role when it cannot be read."""
    try:
        if role in GUEST_ROLES:
            name = await names.beneficiary(UUID(participant_id))
        else:
            name = await names.staff(participant_id)
    except (PeopleUnavailableError, ValueError) as exc:
        log.warning("display name not read", error_type=type(exc).__name__)
        name = None
    return name or ROLE_LABELS[role]


async def issue_ticket(
    queries: RoomQueries,
    directory: CaseDirectory,
    names: Names,
    tickets: Tickets,
    principal: Principal,
    room_id: UUID,
    *,
    now: datetime,
) -> TicketPage:
    """Return a ticket for one of the room's people while the room is open."""
    room = await existing_room(queries, room_id)
    role = await role_in(directory, principal, room)
    if role is None:
        raise ForbiddenError(
            "you have no place in this room", reason="not_a_participant", field="room_id"
        )
    closed = room.closed_reason(now)
    if closed is not None:
        raise ConflictError("room_not_open", f"the room is not open ({closed})", field="room_id")
    name = await display_name(names, principal.sub, role)
    ticket = tickets.room(room.room_id, principal.sub, role, name, now)
    log.info("room ticket issued", room_id=str(room.room_id), role=role.value)
    return TicketPage(ticket, RoomPage(room, role, joinable=True))

"""Remote session's HTTP API for rooms: reading a room, signalling tickets, the call log."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, status

from jalon_shared.access import Principal, Role
from jalon_shared.http import (
    AUTHENTICATED,
    WITH_BODY,
    answer_405_with_every_method,
    error_responses,
)
from jalon_shared.http_auth import require_roles
from remote_session.application.issue_check_ticket import issue_check_ticket
from remote_session.application.issue_ticket import issue_ticket
from remote_session.application.list_calls import list_calls
from remote_session.application.log_call import log_call
from remote_session.application.ports import CaseDirectory, Clock
from remote_session.application.room_ports import Names, RoomQueries, RoomUnitOfWork, Tickets
from remote_session.application.show_room import show_room
from remote_session.domain.rooms import collective_room_id, one_to_one_room_id
from remote_session.entrypoints.http import answer, event_meta
from remote_session.entrypoints.rooms_schemas import (
    CallForm,
    CallOut,
    CheckTicketOut,
    RoomOut,
    TicketOut,
)


@dataclass(frozen=True, slots=True)
class RoomDeps:
    """What the rooms' routes need, built by the composition root."""

    uow: RoomUnitOfWork
    queries: RoomQueries
    directory: CaseDirectory
    names: Names
    tickets: Tickets
    clock: Clock


def build_rooms_router(deps: RoomDeps) -> APIRouter:
    """Return the rooms' and calls' routes bound to their dependencies."""
    router = APIRouter(tags=["rooms"])
    # Managers pass the role check: a region's staff present its collective sessions.
    people = require_roles(Role.BENEFICIARY, Role.COUNSELLOR, Role.MANAGER)
    counsellor = require_roles(Role.COUNSELLOR)
    People_ = Annotated[Principal, Depends(people)]  # noqa: N806 - a type alias, named as one
    Counsellor = Annotated[Principal, Depends(counsellor)]  # noqa: N806
    read = error_responses(*AUTHENTICATED, 404, 422)
    take = error_responses(*AUTHENTICATED, 404, 409, 422)
    write = error_responses(*AUTHENTICATED, *WITH_BODY, 404)

    async def room_of(principal: Principal, room_id: UUID) -> RoomOut:
        page = await answer(
            show_room(deps.queries, deps.directory, principal, room_id, now=deps.clock()),
            location="path",
        )
        return RoomOut.of(page)

    @router.get("/rooms/by-appointment/{appointment_id}", response_model=RoomOut, responses=read)
    async def by_appointment(appointment_id: UUID, principal: People_) -> RoomOut:
        """Return a phone or video appointment's room to its beneficiary and counsellor."""
        return await room_of(principal, one_to_one_room_id(appointment_id))

    @router.get("/rooms/by-collective-session/{session_id}", response_model=RoomOut, responses=read)
    async def by_collective_session(session_id: UUID, principal: People_) -> RoomOut:
        """Return a collective session's room to its registered people and the region's staff."""
        return await room_of(principal, collective_room_id(session_id))

    @router.get("/rooms/{room_id}", response_model=RoomOut, responses=read)
    async def room(room_id: UUID, principal: People_) -> RoomOut:
        """Return a room to one of its participants."""
        return await room_of(principal, room_id)

    @router.post(
        "/rooms/{room_id}/tickets",
        status_code=status.HTTP_201_CREATED,
        response_model=TicketOut,
        responses=take,
    )
    async def ticket(room_id: UUID, principal: People_) -> TicketOut:
        """Take a two-minute ticket for the room's signalling socket, while the room is open."""
        issued = await answer(
            issue_ticket(
                deps.queries,
                deps.directory,
                deps.names,
                deps.tickets,
                principal,
                room_id,
                now=deps.clock(),
            ),
            location="path",
        )
        return TicketOut.of(issued.ticket, issued.page)

    @router.post(
        "/checks/tickets",
        status_code=status.HTTP_201_CREATED,
        response_model=CheckTicketOut,
        responses=error_responses(*AUTHENTICATED),
    )
    async def check_ticket(principal: People_) -> CheckTicketOut:
        """Take a two-minute ticket for the pre-call check of camera, microphone and network."""
        return CheckTicketOut.of(issue_check_ticket(deps.tickets, principal, now=deps.clock()))

    @router.post(
        "/cases/{case_id}/calls",
        status_code=status.HTTP_201_CREATED,
        response_model=CallOut,
        responses=write,
    )
    async def log(case_id: UUID, form: CallForm, principal: Counsellor) -> CallOut:
        """Log a call placed outside the system: it ends after its start, by now, within 4 h."""
        call = await answer(
            log_call(
                deps.uow,
                deps.directory,
                principal,
                case_id,
                started_at=form.started_at,
                ended_at=form.ended_at,
                outcome=form.outcome,
                appointment_id=form.appointment_id,
                now=deps.clock(),
                meta=event_meta(),
            )
        )
        return CallOut.of(call)

    @router.get("/cases/{case_id}/calls", response_model=list[CallOut], responses=read)
    async def calls(case_id: UUID, principal: People_) -> list[CallOut]:
        """Return the case's logged calls, newest first."""
        found = await answer(list_calls(deps.queries, deps.directory, principal, case_id))
        return [CallOut.of(c) for c in found]

    answer_405_with_every_method(router)
    return router

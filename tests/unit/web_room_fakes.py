"""A fake of the remote-session service's rooms API for the call pages, and rooms shaped like it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import jwt

from jalon_shared.events.envelope import utc_now
from jalon_shared.links import JOIN_PURPOSE, SignedLinks
from tests.unit.web_appointment_fakes import AppointmentFront, build_appointment_front
from tests.unit.web_fakes import NOW
from web.application.appointment_views import Appointment
from web.application.errors import ApiError, FieldError
from web.application.room_views import CheckTicket, Room, Ticket

LINK_SECRET = "l" * 48
SIGNALLING = "ws://signal.test:8103"


def room(**overrides: Any) -> Room:
    """Return a one-to-one video room open now, as GET /rooms/by-appointment shows it."""
    starts_at = NOW + timedelta(minutes=10)
    data: dict[str, Any] = {
        "room_id": str(uuid4()),
        "kind": "one_to_one",
        "modality": "video",
        "appointment_id": str(uuid4()),
        "collective_session_id": None,
        "case_id": str(uuid4()),
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(minutes=45)).isoformat(),
        "opens_at": (starts_at - timedelta(minutes=15)).isoformat(),
        "closes_at": (starts_at + timedelta(minutes=105)).isoformat(),
        "status": "scheduled",
        "joinable": True,
        "your_role": "counsellor",
        "started_at": None,
        "ended_at": None,
        "duration_seconds": None,
    }
    data.update(overrides)
    return Room.model_validate(data)


def room_of(one: Appointment, **overrides: Any) -> Room:
    """Return the room the rooms service opens for an appointment."""
    return room(
        room_id=str(uuid5(NAMESPACE_URL, f"jalon:room:{one.appointment_id}")),
        appointment_id=str(one.appointment_id),
        case_id=str(one.case_id),
        modality=one.modality.value,
        starts_at=one.starts_at.isoformat(),
        ends_at=one.ends_at.isoformat(),
        opens_at=(one.starts_at - timedelta(minutes=15)).isoformat(),
        closes_at=(one.ends_at + timedelta(minutes=60)).isoformat(),
        **overrides,
    )


def subject_of(token: str) -> tuple[str, str]:
    """Return the (sub, role) a token names; the fake trusts the front's signature."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return str(claims["sub"]), str(claims["role"])


def role_in(room_: Room, role: str) -> str:
    """Return the caller's role in a room, from their token's role."""
    if room_.collective_session_id is not None:
        return "attendee" if role == "beneficiary" else "presenter"
    return "beneficiary" if role == "beneficiary" else "counsellor"


@dataclass
class FakeRooms:
    """RoomsApi: a room is seen only by its members (token subjects); every call is recorded.

    `closed` makes tickets answer 409 `room_not_open`; `fail` makes one method raise.
    """

    by_appointment: dict[UUID, Room] = field(default_factory=dict)
    by_session: dict[UUID, Room] = field(default_factory=dict)
    members: dict[UUID, set[str]] = field(default_factory=dict)
    closed: bool = False
    fail: dict[str, ApiError] = field(default_factory=dict)
    #: (method, token subject, token, args)
    calls: list[tuple[str, str, str, tuple[Any, ...]]] = field(default_factory=list)
    issued: int = 0

    def add(self, found: Room, *subs: str) -> Room:
        """Open a room for its appointment or meeting, seen by the given subjects."""
        if found.appointment_id is not None:
            self.by_appointment[found.appointment_id] = found
        if found.collective_session_id is not None:
            self.by_session[found.collective_session_id] = found
        self.members[found.room_id] = set(subs)
        return found

    def _call(self, name: str, token: str, *args: Any) -> tuple[str, str]:
        sub, role = subject_of(token)
        self.calls.append((name, sub, token, args))
        if name in self.fail:
            raise self.fail[name]
        return sub, role

    def called(self, name: str) -> list[tuple[str, tuple[Any, ...]]]:
        return [(sub, args) for called, sub, _, args in self.calls if called == name]

    def _seen(self, found: Room | None, sub: str, role: str) -> Room:
        if found is None or sub not in self.members.get(found.room_id, set()):
            # Another person's room is answered as no room at all.
            raise ApiError(404, "no room")
        return Room.model_validate({**found.model_dump(), "your_role": role_in(found, role)})

    async def room_for_appointment(self, token: str, appointment_id: UUID) -> Room:
        sub, role = self._call("room_for_appointment", token, appointment_id)
        return self._seen(self.by_appointment.get(appointment_id), sub, role)

    async def room_for_collective_session(self, token: str, session_id: UUID) -> Room:
        sub, role = self._call("room_for_collective_session", token, session_id)
        return self._seen(self.by_session.get(session_id), sub, role)

    async def room(self, token: str, room_id: UUID) -> Room:
        sub, role = self._call("room", token, room_id)
        found = next(
            (
                r
                for r in [*self.by_appointment.values(), *self.by_session.values()]
                if r.room_id == room_id
            ),
            None,
        )
        return self._seen(found, sub, role)

    async def ticket(self, token: str, room_id: UUID) -> Ticket:
        sub, _ = self._call("ticket", token, room_id)
        if self.closed:
            raise ApiError(409, "room not open", (FieldError("room", "room_not_open"),))
        found = await self.room(token, room_id)
        self.issued += 1
        return Ticket(
            ticket=f"ticket-{self.issued}-{sub}",
            expires_at=NOW + timedelta(seconds=120),
            signalling_path=f"/rooms/{room_id}/signal",
            room=found,
        )

    async def check_ticket(self, token: str) -> CheckTicket:
        sub, _ = self._call("check_ticket", token)
        self.issued += 1
        return CheckTicket(
            ticket=f"check-{self.issued}-{sub}",
            expires_at=NOW + timedelta(seconds=120),
            signalling_path="/checks/signal",
        )


@dataclass
class RoomFront:
    """A front on fakes whose call pages reach the fake rooms and appointment services."""

    world: AppointmentFront
    rooms: FakeRooms
    links: SignedLinks


def build_room_front(*, signalling_url: str = SIGNALLING, **deps: Any) -> RoomFront:
    """Return a front on fakes with rooms, appointments and join links wired in."""
    world = build_appointment_front()
    rooms = FakeRooms()
    links = SignedLinks(LINK_SECRET)
    world.front.deps = replace(
        world.front.deps, rooms=rooms, signalling_url=signalling_url, links=links, **deps
    )
    world.front.app.state.web = world.front.deps
    return RoomFront(world, rooms, links)


def join_token(links: SignedLinks, one: Appointment, *, expires_at: datetime | None = None) -> str:
    """Return the token of the join link a message carries (checked against the real clock)."""
    expiry = expires_at or utc_now() + timedelta(days=30)
    return links.token(one.appointment_id, one.beneficiary_id, expiry, JOIN_PURPOSE)

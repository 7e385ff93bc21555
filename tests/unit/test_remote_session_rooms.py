"""Rooms: the domain rules, the use cases on fakes, and the signalling protocol on a fake relay."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient, WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from jalon_shared.access import Principal, Role
from jalon_shared.directory.model import CaseEntry
from jalon_shared.events.envelope import Event, EventMeta
from jalon_shared.events.session import (
    SessionCallLogged,
    SessionEnded,
    SessionOpened,
    SessionParticipantJoined,
    SessionParticipantLeft,
)
from jalon_shared.events.vocabulary import (
    CallOutcome,
    LeaveReason,
    Modality,
    ParticipantRole,
    RoomKind,
)
from remote_session.adapters.media import MalformedSdpError
from remote_session.adapters.names import short_name
from remote_session.adapters.tickets import JwtTickets
from remote_session.adapters.turn import IceConfig, turn_credentials
from remote_session.application.close_room import close_room
from remote_session.application.end_session import end_session
from remote_session.application.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from remote_session.application.issue_ticket import issue_ticket
from remote_session.application.log_call import log_call
from remote_session.application.move_room import move_room
from remote_session.application.open_room import Booking, open_room
from remote_session.application.record_media_state import MediaChange, record_media_state
from remote_session.application.room_ports import RoomTransaction, TicketError
from remote_session.application.show_room import show_room
from remote_session.application.sweep_empty_rooms import sweep_empty_rooms
from remote_session.application.track_collective_registration import (
    track_collective_registration,
)
from remote_session.domain.calls import Call, CallError
from remote_session.domain.rooms import (
    Room,
    RoomFullError,
    RoomNotOpenError,
    RoomPolicy,
    RoomStatus,
    ThirdPersonError,
    collective_room_id,
    one_to_one_room_id,
)
from remote_session.entrypoints.signalling import (
    SignallingDeps,
    SignallingOptions,
    SignallingRegistry,
    signalling_router,
    video_flowed,
)

T = TypeVar("T")
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
POLICY = RoomPolicy()
META = EventMeta(correlation_id="test", producer="remote_session")
SECRET = "rooms-unit-ticket-secret-" + "0" * 32
ORIGIN = "https://jalon.test"
BENEFICIARY = uuid.uuid4()
CASE = uuid.uuid4()
COUNSELLOR = "c-camille"
REGION = "bretagne"


# -- fakes ---------------------------------------------------------------------------------


@dataclass
class Store:
    """Rooms, calls, events and erasure markers held in memory."""

    rooms: dict[UUID, Room] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    erased: set[UUID] = field(default_factory=set)

    def of(self, kind: type[T]) -> list[T]:
        """Return the published events of a type."""
        return [e for e in self.events if isinstance(e, kind)]


class FakeTx:
    """A transaction whose writes land in the store only when its work succeeds."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.rooms: dict[UUID, Room] = {}
        self.calls: list[Call] = []
        self.events: list[Event] = []

    async def room(self, room_id: UUID) -> Room | None:
        return self.rooms.get(room_id) or self._store.rooms.get(room_id)

    async def save_room(self, room: Room) -> None:
        self.rooms[room.room_id] = room

    async def add_call(self, call: Call) -> None:
        self.calls.append(call)

    async def beneficiary_erased(self, beneficiary_id: UUID) -> bool:
        return beneficiary_id in self._store.erased

    def publish(self, *events: Event) -> None:
        self.events.extend(events)


class FakeRooms:
    """The unit of work and the queries on one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def run(self, work: Callable[[RoomTransaction], Awaitable[T]]) -> T:
        tx = FakeTx(self.store)
        result = await work(tx)
        self.store.rooms.update(tx.rooms)
        self.store.calls.extend(tx.calls)
        self.store.events.extend(tx.events)
        return result

    async def room(self, room_id: UUID) -> Room | None:
        return self.store.rooms.get(room_id)

    async def empty_rooms(self, left_before: datetime) -> list[Room]:
        return [
            r
            for r in self.store.rooms.values()
            if r.status is RoomStatus.LIVE
            and not r.connected
            and r.last_left_at is not None
            and r.last_left_at <= left_before
        ]

    async def calls_of(self, case_id: UUID) -> list[Call]:
        return sorted(
            (c for c in self.store.calls if c.case_id == case_id),
            key=lambda c: c.started_at,
            reverse=True,
        )


class FakeDirectory:
    """The directory copy's cases."""

    def __init__(self, *cases: CaseEntry) -> None:
        self.cases = {c.case_id: c for c in cases}

    async def case(self, case_id: UUID) -> CaseEntry | None:
        return self.cases.get(case_id)


class FakeNames:
    """Names as intake and the directory copy would give them."""

    async def beneficiary(self, beneficiary_id: UUID) -> str | None:
        return "Léa P." if beneficiary_id == BENEFICIARY else None

    async def staff(self, staff_id: str) -> str | None:
        return "Camille Bernard" if staff_id == COUNSELLOR else None


def case_entry(counsellor: str | None = COUNSELLOR) -> CaseEntry:
    return CaseEntry(
        case_id=CASE,
        beneficiary_id=BENEFICIARY,
        counsellor_id=counsellor,
        region=REGION,
        site="rennes",
        status="open",
    )


def booking(appointment_id: UUID, modality: Modality = Modality.VIDEO) -> Booking:
    return Booking(
        appointment_id=appointment_id,
        case_id=CASE,
        beneficiary_id=BENEFICIARY,
        counsellor_id=COUNSELLOR,
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=1),
        modality=modality,
        region=REGION,
    )


def appointment_room(modality: Modality = Modality.VIDEO, at: datetime = NOW) -> Room:
    return Room.for_appointment(
        appointment_id=uuid.uuid4(),
        case_id=CASE,
        beneficiary_id=BENEFICIARY,
        counsellor_id=COUNSELLOR,
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=1),
        modality=modality,
        region=REGION,
        policy=POLICY,
        at=at,
    )


def collective_room(*registered: UUID) -> Room:
    room = Room.for_collective(
        session_id=uuid.uuid4(),
        modality=Modality.VIDEO,
        region=REGION,
        starts_at=NOW,
        policy=POLICY,
        at=NOW - timedelta(days=1),
    )
    for person in registered:
        room = room.registered(
            person, "registered", at=NOW - timedelta(hours=2), starts_at=NOW, policy=POLICY
        )
    return room


def principal(sub: str, role: Role, region: str | None = None) -> Principal:
    return Principal(sub=sub, role=role, region=region)


BENEFICIARY_P = principal(str(BENEFICIARY), Role.BENEFICIARY)
COUNSELLOR_P = principal(COUNSELLOR, Role.COUNSELLOR, REGION)


# -- domain --------------------------------------------------------------------------------


def test_room_ids_are_derived_from_the_appointment_and_the_session() -> None:
    appointment = uuid.uuid4()
    assert one_to_one_room_id(appointment) == uuid.uuid5(
        uuid.NAMESPACE_URL, f"jalon:room:{appointment}"
    )
    session = uuid.uuid4()
    assert collective_room_id(session) == uuid.uuid5(
        uuid.NAMESPACE_URL, f"jalon:collective-room:{session}"
    )


def test_a_room_opens_15_minutes_before_and_closes_an_hour_after_its_end() -> None:
    room = appointment_room()
    assert (room.opens_at, room.closes_at) == (
        NOW - timedelta(minutes=15),
        NOW + timedelta(hours=2),
    )
    assert room.closed_reason(NOW - timedelta(minutes=16)) == "too_early"
    assert room.joinable(NOW - timedelta(minutes=15))
    assert room.joinable(NOW + timedelta(hours=2))
    assert room.closed_reason(NOW + timedelta(hours=2, seconds=1)) == "too_late"
    assert room.cancel(NOW).closed_reason(NOW) == "cancelled"
    with pytest.raises(RoomNotOpenError):
        room.ended(NOW).check_open(NOW)
    # Face to face: no room at all; a collective session lasts 3 hours.
    assert not appointment_room(Modality.FACE_TO_FACE).is_remote
    assert collective_room().closes_at == NOW + timedelta(hours=4)


def test_only_the_case_s_beneficiary_and_counsellor_have_a_place_in_a_one_to_one_room() -> None:
    room = appointment_room()
    beneficiary = room.role_of(str(BENEFICIARY), staff=False, region=None)
    assert beneficiary is ParticipantRole.BENEFICIARY
    assert room.role_of(COUNSELLOR, staff=True, region=REGION) is ParticipantRole.COUNSELLOR
    assert room.role_of(str(uuid.uuid4()), staff=False, region=None) is None
    assert room.role_of("m-anne", staff=True, region=REGION) is None
    assert room.role_of("c-other", staff=True, region=REGION) is None
    # After a hand-over the new counsellor joins, the old one no longer.
    assert room.role_of("c-new", staff=True, region=REGION, counsellor_id="c-new") is not None
    assert room.role_of(COUNSELLOR, staff=True, region=REGION, counsellor_id="c-new") is None


def test_a_collective_room_takes_its_roster_and_the_region_s_staff_up_to_its_capacity() -> None:
    ana, bea = uuid.uuid4(), uuid.uuid4()
    room = collective_room(ana, bea)
    assert room.role_of(str(ana), staff=False, region=None) is ParticipantRole.ATTENDEE
    assert room.role_of("m-anne", staff=True, region=REGION) is ParticipantRole.PRESENTER
    assert room.role_of("m-paul", staff=True, region="normandie") is None
    # The latest status counts; an older one arriving late changes nothing.
    left = room.registered(bea, "cancelled", at=NOW, starts_at=NOW, policy=POLICY)
    assert left.role_of(str(bea), staff=False, region=None) is None
    late = left.registered(
        bea, "registered", at=NOW - timedelta(hours=1), starts_at=NOW, policy=POLICY
    )
    assert late.roster == {ana}
    present = {f"p{i}": ParticipantRole.ATTENDEE for i in range(POLICY.capacity)}
    with pytest.raises(RoomFullError):
        room.check_entry(str(ana), ParticipantRole.ATTENDEE, present, POLICY.capacity)
    room.check_entry("p0", ParticipantRole.ATTENDEE, present, POLICY.capacity)


def test_a_third_person_never_enters_a_one_to_one_room() -> None:
    room = appointment_room()
    present = {
        COUNSELLOR: ParticipantRole.COUNSELLOR,
        str(BENEFICIARY): ParticipantRole.BENEFICIARY,
    }
    with pytest.raises(ThirdPersonError):
        room.check_entry("c-old", ParticipantRole.COUNSELLOR, present, 12)
    # The same person again (a reconnection) is no third person.
    room.check_entry(COUNSELLOR, ParticipantRole.COUNSELLOR, present, 12)


def test_the_session_starts_when_both_sides_are_connected_and_is_measured_to_its_end() -> None:
    room = appointment_room()
    counsellor = room.joined(COUNSELLOR, ParticipantRole.COUNSELLOR, NOW)
    assert counsellor.started_at is None
    second = NOW + timedelta(seconds=1)
    both = counsellor.joined(str(BENEFICIARY), ParticipantRole.BENEFICIARY, second)
    assert (both.status, both.started_at) == (RoomStatus.LIVE, second)
    gone = both.left(str(BENEFICIARY), NOW + timedelta(minutes=10)).left(
        COUNSELLOR, NOW + timedelta(minutes=12)
    )
    assert gone.last_left_at == NOW + timedelta(minutes=12)
    assert not gone.empty_for(NOW + timedelta(minutes=16), POLICY.empty_grace)
    assert gone.empty_for(NOW + timedelta(minutes=17), POLICY.empty_grace)
    ended = gone.ended(gone.last_left_at or NOW)
    assert ended.duration_seconds == 12 * 60 - 1
    with pytest.raises(RoomNotOpenError):
        ended.ended(NOW)


def test_moves_and_closures_older_than_the_last_change_change_nothing() -> None:
    room = appointment_room(at=NOW - timedelta(days=2))
    later = NOW + timedelta(days=1)
    moved = room.moved(later, None, POLICY, at=NOW - timedelta(days=1))
    assert (moved.starts_at, moved.ends_at) == (later, later + timedelta(hours=1))
    back = moved.moved(NOW, None, POLICY, at=NOW - timedelta(days=2))
    assert back == moved
    in_person = moved.requalified(Modality.FACE_TO_FACE, NOW - timedelta(hours=5))
    assert (in_person.is_remote, in_person.status) == (False, RoomStatus.CANCELLED)
    again = in_person.requalified(Modality.PHONE, NOW - timedelta(hours=4))
    assert (again.modality, again.status) == (Modality.PHONE, RoomStatus.SCHEDULED)
    cancelled = again.cancel(NOW - timedelta(hours=3))
    assert cancelled.requalified(Modality.VIDEO, NOW) == cancelled
    assert cancelled.moved(NOW, None, POLICY, NOW) == cancelled


def test_an_erased_beneficiary_is_unlinked_from_the_room() -> None:
    room = appointment_room().admit(str(BENEFICIARY))
    room = room.joined(str(BENEFICIARY), ParticipantRole.BENEFICIARY, NOW)
    erased = room.without(BENEFICIARY, [CASE])
    assert (erased.beneficiary_id, erased.case_id) == (None, None)
    assert str(BENEFICIARY) not in erased.admitted | erased.attended
    assert erased.connected == ()
    roster = collective_room(BENEFICIARY).without(BENEFICIARY)
    assert roster.registrations == ()


def test_a_logged_call_ends_after_it_starts_by_now_and_within_four_hours() -> None:
    def call(start: datetime, end: datetime) -> Call:
        return Call.log(
            call_id=uuid.uuid4(),
            case_id=CASE,
            beneficiary_id=BENEFICIARY,
            counsellor_id=COUNSELLOR,
            started_at=start,
            ended_at=end,
            outcome=CallOutcome.REACHED,
            appointment_id=None,
            now=NOW,
        )

    assert call(NOW - timedelta(minutes=20), NOW - timedelta(minutes=5)).duration_seconds == 900
    for start, end, reason in (
        (NOW - timedelta(minutes=5), NOW - timedelta(minutes=20), "before_start"),
        (NOW - timedelta(minutes=5), NOW + timedelta(minutes=1), "in_the_future"),
        (NOW - timedelta(hours=5), NOW - timedelta(minutes=30), "too_long"),
    ):
        with pytest.raises(CallError) as refused:
            call(start, end)
        assert (refused.value.field, refused.value.reason) == ("ended_at", reason)


def test_tickets_turn_credentials_and_names() -> None:
    tickets = JwtTickets(SECRET, timedelta(seconds=120))
    room_id = uuid.uuid4()
    issued = tickets.room(room_id, COUNSELLOR, ParticipantRole.COUNSELLOR, "Camille B.", NOW)
    assert issued.expires_at == NOW + timedelta(seconds=120)
    claims = tickets.verify_room(issued.token, NOW + timedelta(seconds=119))
    assert (claims.room_id, claims.participant_id, claims.role, claims.name) == (
        room_id,
        COUNSELLOR,
        ParticipantRole.COUNSELLOR,
        "Camille B.",
    )
    for token, at, reason in (
        (issued.token, NOW + timedelta(seconds=120), "expired"),
        (issued.token[:-2] + "xx", NOW, "malformed_or_altered"),
        (tickets.check(COUNSELLOR, NOW).token, NOW, "wrong_purpose"),
    ):
        with pytest.raises(TicketError) as refused:
            tickets.verify_room(token, at)
        assert refused.value.reason == reason
    with pytest.raises(ValueError, match="32 bytes"):
        JwtTickets("short", timedelta(seconds=120))
    username, credential = turn_credentials("turn-secret", "c-1", NOW, timedelta(hours=1))
    assert username == f"{int((NOW + timedelta(hours=1)).timestamp())}:c-1"
    digest = hmac.new(b"turn-secret", username.encode(), hashlib.sha1).digest()
    assert credential == base64.b64encode(digest).decode()
    ice = IceConfig(["stun:stun.jalon.test"], ["turn:turn.jalon.test"], "turn-secret")
    stun, turn = ice.for_participant("c-1", NOW)
    assert (stun.urls, stun.username) == (("stun:stun.jalon.test",), None)
    assert (turn.username, turn.credential) == (username, credential)
    assert IceConfig([], ["turn:turn.jalon.test"], None).for_participant("c-1", NOW) == []
    assert short_name("Léa", "petit") == "Léa P."
    assert short_name("", "Petit") is None


# -- use cases -----------------------------------------------------------------------------


async def test_a_booked_video_appointment_opens_its_room_once() -> None:
    rooms = FakeRooms(Store())
    appointment = uuid.uuid4()
    for _ in range(2):  # a redelivery
        await open_room(
            rooms,
            POLICY,
            appointment_id=appointment,
            modality=Modality.VIDEO,
            at=NOW - timedelta(days=1),
            meta=META,
            booking=booking(appointment),
        )
    (opened,) = rooms.store.of(SessionOpened)
    assert (opened.room_id, opened.kind, opened.modality) == (
        one_to_one_room_id(appointment),
        RoomKind.ONE_TO_ONE,
        Modality.VIDEO,
    )
    assert (opened.case_id, opened.beneficiary_id, opened.counsellor_id) == (
        CASE,
        BENEFICIARY,
        COUNSELLOR,
    )


async def test_face_to_face_gets_a_room_when_requalified_and_cancellation_is_final() -> None:
    rooms = FakeRooms(Store())
    appointment = uuid.uuid4()
    room_id = one_to_one_room_id(appointment)
    await open_room(
        rooms,
        POLICY,
        appointment_id=appointment,
        modality=Modality.FACE_TO_FACE,
        at=NOW - timedelta(days=3),
        meta=META,
        booking=booking(appointment, Modality.FACE_TO_FACE),
    )
    assert rooms.store.of(SessionOpened) == []
    with pytest.raises(NotFoundError):
        await show_room(rooms, FakeDirectory(), BENEFICIARY_P, room_id, now=NOW)
    await open_room(
        rooms, POLICY, appointment_id=appointment, modality=Modality.PHONE, at=NOW, meta=META
    )
    assert len(rooms.store.of(SessionOpened)) == 1
    page = await show_room(rooms, FakeDirectory(), BENEFICIARY_P, room_id, now=NOW)
    assert (page.role, page.joinable, page.room.modality) == (
        ParticipantRole.BENEFICIARY,
        True,
        Modality.PHONE,
    )
    await close_room(rooms, appointment_id=appointment, at=NOW + timedelta(seconds=1))
    # A replayed change of modality and an old move do not bring it back.
    await open_room(
        rooms,
        POLICY,
        appointment_id=appointment,
        modality=Modality.VIDEO,
        at=NOW + timedelta(seconds=2),
        meta=META,
    )
    await move_room(
        rooms,
        POLICY,
        appointment_id=appointment,
        starts_at=NOW + timedelta(days=1),
        ends_at=None,
        at=NOW + timedelta(seconds=3),
    )
    room = rooms.store.rooms[room_id]
    assert (room.status, room.starts_at) == (RoomStatus.CANCELLED, NOW)
    assert len(rooms.store.of(SessionOpened)) == 1


async def test_a_collective_room_opens_with_its_first_registration() -> None:
    rooms = FakeRooms(Store(erased={uuid.uuid4()}))
    session = uuid.uuid4()
    erased = next(iter(rooms.store.erased))
    for person, status in ((BENEFICIARY, "registered"), (erased, "registered")):
        await track_collective_registration(
            rooms,
            POLICY,
            session_id=session,
            beneficiary_id=person,
            status=status,
            modality=Modality.VIDEO,
            region=REGION,
            starts_at=NOW,
            at=NOW - timedelta(days=1),
            meta=META,
        )
    (opened,) = rooms.store.of(SessionOpened)
    assert (opened.kind, opened.collective_session_id) == (RoomKind.COLLECTIVE, session)
    assert rooms.store.rooms[collective_room_id(session)].roster == {BENEFICIARY}
    manager = principal("m-anne", Role.MANAGER, REGION)
    page = await show_room(rooms, FakeDirectory(), manager, collective_room_id(session), now=NOW)
    assert page.role is ParticipantRole.PRESENTER


async def test_tickets_go_to_the_room_s_people_while_it_is_open() -> None:
    store = Store()
    rooms = FakeRooms(store)
    room = appointment_room()
    store.rooms[room.room_id] = room
    tickets = JwtTickets(SECRET, timedelta(seconds=120))
    directory = FakeDirectory(case_entry())

    async def take(who: Principal, at: datetime = NOW) -> str:
        page = await issue_ticket(rooms, directory, FakeNames(), tickets, who, room.room_id, now=at)
        return tickets.verify_room(page.ticket.token, at).name

    assert await take(BENEFICIARY_P) == "Léa P."
    assert await take(COUNSELLOR_P) == "Camille Bernard"
    for stranger in (
        principal(str(uuid.uuid4()), Role.BENEFICIARY),
        principal("c-other", Role.COUNSELLOR, REGION),
        principal("m-anne", Role.MANAGER, REGION),
    ):
        with pytest.raises(ForbiddenError) as refused:
            await take(stranger)
        assert refused.value.reason == "not_a_participant"
    with pytest.raises(ConflictError) as early:
        await take(BENEFICIARY_P, NOW - timedelta(hours=1))
    assert early.value.reason == "room_not_open"
    with pytest.raises(NotFoundError):
        await issue_ticket(
            rooms, directory, FakeNames(), tickets, BENEFICIARY_P, uuid.uuid4(), now=NOW
        )


async def test_joins_leaves_and_the_end_publish_what_the_session_measured() -> None:
    store = Store()
    rooms = FakeRooms(store)
    room = appointment_room()
    store.rooms[room.room_id] = room

    async def media(pid: str, change: MediaChange, at: datetime, **kw: Any) -> Room | None:
        return await record_media_state(rooms, room.room_id, pid, change, now=at, meta=META, **kw)

    await media(COUNSELLOR, MediaChange.JOINED, NOW, role=ParticipantRole.COUNSELLOR)
    started = NOW + timedelta(seconds=30)
    who = str(BENEFICIARY)
    await media(who, MediaChange.JOINED, started, role=ParticipantRole.BENEFICIARY)
    await media(who, MediaChange.JOINED, started, role=ParticipantRole.BENEFICIARY)
    await media(who, MediaChange.LEFT, NOW + timedelta(minutes=5))
    await media(
        who, MediaChange.JOINED, NOW + timedelta(minutes=6), role=ParticipantRole.BENEFICIARY
    )
    await media(who, MediaChange.AUDIO_ONLY, NOW + timedelta(minutes=7))
    await media(who, MediaChange.VIDEO_FLOWED, NOW + timedelta(minutes=7))
    joined = store.of(SessionParticipantJoined)
    assert [(j.role, j.rejoin) for j in joined] == [
        (ParticipantRole.COUNSELLOR, False),
        (ParticipantRole.BENEFICIARY, False),
        (ParticipantRole.BENEFICIARY, True),
    ]
    (left,) = store.of(SessionParticipantLeft)
    assert left.reason is LeaveReason.DROPPED
    with pytest.raises(ForbiddenError):
        await end_session(
            rooms, room.room_id, ended_by=ParticipantRole.BENEFICIARY, now=NOW, meta=META
        )
    finished = NOW + timedelta(minutes=40, seconds=30)
    await end_session(
        rooms, room.room_id, ended_by=ParticipantRole.COUNSELLOR, now=finished, meta=META
    )
    (ended,) = store.of(SessionEnded)
    assert ended.duration_seconds == pytest.approx(40 * 60)
    assert (ended.started_at, ended.ended_at) == (started, finished)
    assert (ended.modality, ended.audio_only, ended.participants) == (Modality.VIDEO, True, 2)
    assert (ended.appointment_id, ended.case_id) == (room.appointment_id, CASE)
    with pytest.raises(ConflictError):
        await end_session(
            rooms, room.room_id, ended_by=ParticipantRole.COUNSELLOR, now=finished, meta=META
        )


async def test_an_empty_session_ends_at_its_last_leave_after_the_grace_period() -> None:
    store = Store()
    rooms = FakeRooms(store)
    room = (
        appointment_room(Modality.PHONE)
        .joined(COUNSELLOR, ParticipantRole.COUNSELLOR, NOW)
        .joined(str(BENEFICIARY), ParticipantRole.BENEFICIARY, NOW)
        .left(str(BENEFICIARY), NOW + timedelta(minutes=20))
        .left(COUNSELLOR, NOW + timedelta(minutes=21))
    )
    store.rooms[room.room_id] = room
    early = await sweep_empty_rooms(
        rooms, rooms, POLICY, now=NOW + timedelta(minutes=25), meta=META
    )
    assert early == []
    (done,) = await sweep_empty_rooms(
        rooms, rooms, POLICY, now=NOW + timedelta(minutes=26), meta=META
    )
    (ended,) = store.of(SessionEnded)
    assert ended.ended_at == NOW + timedelta(minutes=21)
    assert ended.duration_seconds == 21 * 60
    assert ended.modality is Modality.PHONE
    assert done.status is RoomStatus.ENDED


async def test_only_the_case_s_counsellor_logs_a_call() -> None:
    store = Store()
    rooms = FakeRooms(store)
    directory = FakeDirectory(case_entry())
    other_room = appointment_room()
    store.rooms[other_room.room_id] = replace(other_room, case_id=uuid.uuid4())

    async def call(who: Principal, **kw: Any) -> Call:
        fields: dict[str, Any] = {
            "started_at": NOW - timedelta(minutes=15),
            "ended_at": NOW - timedelta(minutes=5),
            "outcome": CallOutcome.REACHED,
            "appointment_id": None,
            **kw,
        }
        return await log_call(rooms, directory, who, CASE, now=NOW, meta=META, **fields)

    logged = await call(COUNSELLOR_P)
    (event,) = store.of(SessionCallLogged)
    assert (event.call_id, event.duration_seconds, event.outcome) == (
        logged.call_id,
        600,
        CallOutcome.REACHED,
    )
    with pytest.raises(ForbiddenError):
        await call(BENEFICIARY_P)
    with pytest.raises(NotFoundError):
        await call(principal("c-other", Role.COUNSELLOR, REGION))
    with pytest.raises(InvalidInputError) as late:
        await call(COUNSELLOR_P, ended_at=NOW + timedelta(minutes=1))
    assert (late.value.field, late.value.reason) == ("ended_at", "in_the_future")
    with pytest.raises(InvalidInputError) as elsewhere:
        await call(COUNSELLOR_P, appointment_id=other_room.appointment_id)
    assert elsewhere.value.field == "appointment_id"


def test_video_flowed_needs_video_both_ways() -> None:
    @dataclass(frozen=True)
    class Counts:
        video: int

    @dataclass(frozen=True)
    class Person:
        role: str
        frames_received: Counts
        frames_sent: Counts

    @dataclass(frozen=True)
    class Stats:
        participants: Mapping[str, Person]

    def stats(*people: tuple[str, int, int]) -> Stats:
        return Stats(
            {f"p{i}": Person(r, Counts(a), Counts(b)) for i, (r, a, b) in enumerate(people)}
        )

    assert video_flowed(RoomKind.ONE_TO_ONE, stats(("counsellor", 30, 30), ("beneficiary", 30, 30)))
    assert not video_flowed(
        RoomKind.ONE_TO_ONE, stats(("counsellor", 30, 0), ("beneficiary", 0, 30))
    )
    assert video_flowed(RoomKind.COLLECTIVE, stats(("presenter", 30, 0), ("attendee", 0, 30)))
    assert not video_flowed(RoomKind.COLLECTIVE, stats(("attendee", 30, 0), ("attendee", 0, 30)))


# -- signalling ----------------------------------------------------------------------------

OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"


@dataclass(frozen=True)
class NoCounts:
    """The relay's counts of a room without media."""

    participants: Mapping[str, Any] = field(default_factory=dict)


class FakeHub:
    """A media relay that answers any offer starting with v=0 and reports it connected."""

    def __init__(self) -> None:
        self.registry: SignallingRegistry | None = None
        self.answered: list[tuple[str, str, str, bool]] = []
        self.left: list[str] = []
        self.closed: list[UUID] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def _report(self, room_id: UUID, participant_id: str, state: str) -> None:
        assert self.registry is not None
        task = asyncio.ensure_future(
            self.registry.on_media_state(room_id, participant_id, state)  # type: ignore[arg-type]
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def answer(
        self,
        room_id: UUID,
        participant_id: str,
        role: str,
        kind: str,
        offer_sdp: str,
        *,
        audio_only: bool,
    ) -> str:
        if not offer_sdp.startswith("v=0"):
            raise MalformedSdpError("unparsable SDP")
        self.answered.append((participant_id, role, kind, audio_only))
        self._report(room_id, participant_id, "connected")
        return "v=0 answer"

    async def add_candidate(
        self,
        room_id: UUID,
        participant_id: str,
        candidate: str,
        sdp_mid: str | None,
        sdp_mline_index: int | None,
    ) -> None:
        if not candidate.startswith("candidate:"):
            raise MalformedSdpError("not a candidate")

    def set_state(
        self, room_id: UUID, participant_id: str, *, muted: bool, audio_only: bool
    ) -> None:
        return None

    async def leave(self, room_id: UUID, participant_id: str) -> None:
        self.left.append(participant_id)

    async def close_room(self, room_id: UUID) -> None:
        self.closed.append(room_id)

    async def close(self) -> None:
        return None

    async def echo(self, check_id: UUID, offer_sdp: str) -> str:
        if not offer_sdp.startswith("v=0"):
            raise MalformedSdpError("unparsable SDP")
        return "v=0 echo"

    def stats(self, room_id: UUID) -> NoCounts:
        return NoCounts()


class Clock:
    """A clock the tests move."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Signal:
    """The signalling app on fakes, with what the tests need to drive it."""

    client: TestClient
    store: Store
    hub: FakeHub
    tickets: JwtTickets
    clock: Clock
    room: Room

    def ticket(
        self, participant_id: str, role: ParticipantRole, room_id: UUID | None = None
    ) -> str:
        """Return a fresh ticket."""
        room = room_id or self.room.room_id
        return self.tickets.room(room, participant_id, role, "Léa P.", self.clock.now).token

    def connect(self, room_id: UUID | None = None, origin: str = ORIGIN) -> WebSocketTestSession:
        """Open a socket to the room."""
        path = f"/rooms/{room_id or self.room.room_id}/signal"
        return self.client.websocket_connect(path, headers={"origin": origin})

    def join(self, ws: WebSocketTestSession, participant_id: str, role: ParticipantRole) -> Any:
        """Say hello with a fresh ticket; return the welcome frame."""
        ws.send_json({"type": "hello", "ticket": self.ticket(participant_id, role)})
        return until(ws, "welcome")


def until(ws: WebSocketTestSession, kind: str, *, limit: int = 30) -> Any:
    """Return the next frame of a type, skipping the others."""
    for _ in range(limit):
        frame = ws.receive_json()
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


def closed_with(ws: WebSocketTestSession) -> int:
    """Read until the server closes the socket; return the close code."""
    for _ in range(30):
        try:
            ws.receive_json()
        except WebSocketDisconnect as closed:
            return closed.code
    raise AssertionError("the socket stayed open")


def roster_until(ws: WebSocketTestSession, check: Callable[[Any], bool]) -> Any:
    """Return the first roster that passes a check."""
    for _ in range(30):
        roster = until(ws, "roster")
        if check(roster):
            return roster
    raise AssertionError("no such roster")


@pytest.fixture
def signal() -> Iterator[Signal]:
    """Run the signalling routes on fakes, one room booked for now."""
    store = Store()
    rooms = FakeRooms(store)
    room = appointment_room()
    store.rooms[room.room_id] = room
    hub = FakeHub()
    clock = Clock()
    tickets = JwtTickets(SECRET, timedelta(seconds=120))
    registry = SignallingRegistry(
        SignallingDeps(
            uow=rooms,
            queries=rooms,
            tickets=tickets,
            ice=IceConfig(["stun:stun.jalon.test"]),
            policy=POLICY,
            clock=clock,
            options=SignallingOptions(frozenset({ORIGIN}), hello_timeout=0.5, check_seconds=5),
            producer="remote_session",
        ),
        hub,
    )
    hub.registry = registry
    app = FastAPI()
    app.include_router(signalling_router(registry))
    with TestClient(app) as client:
        yield Signal(client, store, hub, tickets, clock, room)


def test_bad_expired_used_and_misdirected_tickets_are_refused(signal: Signal) -> None:
    with signal.connect() as ws:
        ws.send_json({"type": "hello", "ticket": "not-a-ticket"})
        assert closed_with(ws) == 4401
    stale = signal.ticket(COUNSELLOR, ParticipantRole.COUNSELLOR)
    signal.clock.now = NOW + timedelta(seconds=121)
    with signal.connect() as ws:
        ws.send_json({"type": "hello", "ticket": stale})
        assert closed_with(ws) == 4401
    signal.clock.now = NOW
    used = signal.ticket(COUNSELLOR, ParticipantRole.COUNSELLOR)
    with signal.connect() as ws:
        ws.send_json({"type": "hello", "ticket": used})
        until(ws, "welcome")
    with signal.connect() as ws:
        ws.send_json({"type": "hello", "ticket": used})
        assert closed_with(ws) == 4401
    # No hello within the deadline; a first frame that is no hello.
    with signal.connect() as ws:
        assert closed_with(ws) == 4401
    with signal.connect() as ws:
        ws.send_text("{oops")
        assert closed_with(ws) == 4400
    # Another room's ticket, an unknown room, and another site's page.
    other = uuid.uuid4()
    with signal.connect() as ws:
        ws.send_json(
            {
                "type": "hello",
                "ticket": signal.ticket(COUNSELLOR, ParticipantRole.COUNSELLOR, other),
            }
        )
        assert closed_with(ws) == 4403
    with signal.connect(other) as ws:
        ws.send_json(
            {
                "type": "hello",
                "ticket": signal.ticket(COUNSELLOR, ParticipantRole.COUNSELLOR, other),
            }
        )
        assert closed_with(ws) == 4404
    with pytest.raises(WebSocketDisconnect) as refused, signal.connect(origin="https://evil.test"):
        pass
    assert refused.value.code == 4403


def test_a_room_not_open_refuses_with_4409(signal: Signal) -> None:
    signal.store.rooms[signal.room.room_id] = signal.room.cancel(NOW)
    with signal.connect() as ws:
        ws.send_json(
            {"type": "hello", "ticket": signal.ticket(COUNSELLOR, ParticipantRole.COUNSELLOR)}
        )
        assert closed_with(ws) == 4409


def test_a_third_person_is_refused_with_4403(signal: Signal) -> None:
    with signal.connect() as staff:
        signal.join(staff, COUNSELLOR, ParticipantRole.COUNSELLOR)
        with signal.connect() as intruder:
            intruder.send_json(
                {"type": "hello", "ticket": signal.ticket("c-intruder", ParticipantRole.COUNSELLOR)}
            )
            assert closed_with(intruder) == 4403
        with signal.connect() as impostor:
            impostor.send_json(
                {
                    "type": "hello",
                    "ticket": signal.ticket(str(uuid.uuid4()), ParticipantRole.BENEFICIARY),
                }
            )
            assert closed_with(impostor) == 4403


def test_lobby_admission_reconnection_and_end(signal: Signal) -> None:
    guest_id = str(BENEFICIARY)
    with signal.connect() as staff:
        welcome = signal.join(staff, COUNSELLOR, ParticipantRole.COUNSELLOR)
        assert welcome["admitted"] is True
        assert welcome["ice_servers"] == [{"urls": ["stun:stun.jalon.test"]}]
        assert (welcome["room"]["your_role"], welcome["room"]["status"]) == (
            "counsellor",
            "scheduled",
        )
        with signal.connect() as guest:
            seen = signal.join(guest, guest_id, ParticipantRole.BENEFICIARY)
            assert seen["admitted"] is False
            assert until(guest, "waiting") == {"type": "waiting"}
            assert until(guest, "roster")["lobby"] == []
            lobby = roster_until(staff, lambda r: bool(r["lobby"]))["lobby"]
            assert lobby == [{"participant_id": guest_id, "name": "Léa P."}]
            guest.send_json({"type": "offer", "sdp": OFFER})
            assert until(guest, "error")["code"] == "not_admitted"
            staff.send_json({"type": "admit", "participant_id": guest_id})
            assert until(guest, "admitted") == {"type": "admitted"}
            assert guest_id in signal.store.rooms[signal.room.room_id].admitted
            guest.send_json({"type": "offer", "sdp": OFFER})
            assert until(guest, "answer")["sdp"] == "v=0 answer"
            staff.send_json({"type": "offer", "sdp": OFFER})
            until(staff, "answer")
            roster = roster_until(
                staff,
                lambda r: (
                    r["started_at"] is not None
                    and all(p["media"] == "connected" for p in r["participants"])
                ),
            )
            assert {p["participant_id"]: p["media"] for p in roster["participants"]} == {
                COUNSELLOR: "connected",
                guest_id: "connected",
            }
            assert signal.store.rooms[signal.room.room_id].status is RoomStatus.LIVE
            # A reload: a new ticket on a new socket skips the lobby and replaces the old one.
            with signal.connect() as again:
                assert signal.join(again, guest_id, ParticipantRole.BENEFICIARY)["admitted"]
                assert until(guest, "replaced") == {"type": "replaced"}
                assert closed_with(guest) == 4409
                signal.clock.now = NOW + timedelta(minutes=10)
                staff.send_json({"type": "end"})
                assert until(again, "ended")["duration_seconds"] == 600
                assert closed_with(again) == 1000
                assert until(staff, "ended")["duration_seconds"] == 600
                assert closed_with(staff) == 1000
    (ended,) = signal.store.of(SessionEnded)
    assert (ended.duration_seconds, ended.participants) == (600, 2)
    assert signal.hub.closed == [signal.room.room_id]


def test_bad_frames_get_an_error_and_the_room_keeps_working(signal: Signal) -> None:
    with signal.connect() as staff:
        signal.join(staff, COUNSELLOR, ParticipantRole.COUNSELLOR)
        staff.send_text("{oops")
        assert until(staff, "error") == {"type": "error", "code": "malformed_json"}
        staff.send_json({"type": "teleport"})
        assert until(staff, "error") == {"type": "error", "code": "unknown_type", "field": "type"}
        staff.send_json(["not", "an", "object"])
        assert until(staff, "error")["code"] == "malformed_message"
        staff.send_json({"type": "offer", "sdp": "garbage"})
        assert until(staff, "error") == {"type": "error", "code": "malformed_sdp", "field": "sdp"}
        staff.send_json({"type": "state", "muted": "yes"})
        assert until(staff, "error")["field"] == "muted"
        staff.send_json({"type": "ping"})
        assert until(staff, "pong") == {"type": "pong"}
        staff.send_json({"type": "offer", "sdp": OFFER})
        assert until(staff, "answer")["sdp"] == "v=0 answer"
        staff.send_json({"type": "candidate", "candidate": "nonsense", "sdpMid": "0"})
        assert until(staff, "error")["code"] == "malformed_candidate"
        staff.send_json({"type": "offer", "sdp": OFFER})
        assert until(staff, "error")["code"] == "already_negotiated"
        staff.send_json({"type": "state", "muted": True, "audio_only": True})
        muted = roster_until(staff, lambda r: r["participants"][0]["muted"])
        assert muted["participants"][0]["audio_only"] is True
        staff.send_json({"type": "hangup"})
        assert closed_with(staff) == 1000
    room = signal.store.rooms[signal.room.room_id]
    assert room.audio_only
    (left,) = signal.store.of(SessionParticipantLeft)
    assert left.reason is LeaveReason.HUNG_UP


def test_a_beneficiary_may_not_admit_nor_end(signal: Signal) -> None:
    signal.store.rooms[signal.room.room_id] = signal.room.admit(str(BENEFICIARY))
    with signal.connect() as guest:
        assert signal.join(guest, str(BENEFICIARY), ParticipantRole.BENEFICIARY)["admitted"]
        guest.send_json({"type": "end"})
        assert until(guest, "error")["code"] == "not_allowed"
        guest.send_json({"type": "admit", "participant_id": "c-x"})
        assert until(guest, "error")["code"] == "not_allowed"
    assert signal.store.of(SessionEnded) == []


def test_the_pre_call_check_answers_and_closes_after_its_time(signal: Signal) -> None:
    token = signal.tickets.check(str(BENEFICIARY), NOW).token
    with signal.client.websocket_connect("/checks/signal", headers={"origin": ORIGIN}) as ws:
        ws.send_json({"type": "hello", "ticket": token})
        assert until(ws, "welcome")["ice_servers"] == [{"urls": ["stun:stun.jalon.test"]}]
        ws.send_json({"type": "offer", "sdp": "garbage"})
        assert until(ws, "error")["code"] == "malformed_sdp"
        ws.send_json({"type": "offer", "sdp": OFFER})
        assert until(ws, "answer")["sdp"] == "v=0 echo"
    room_ticket = signal.ticket(COUNSELLOR, ParticipantRole.COUNSELLOR)
    with signal.client.websocket_connect("/checks/signal", headers={"origin": ORIGIN}) as ws:
        ws.send_json({"type": "hello", "ticket": room_ticket})
        assert closed_with(ws) == 4401

"""Collective information sessions: their rules, and the use cases over in-memory fakes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from appointment.application.cancel_registration import cancel_registration
from appointment.application.cancel_session import cancel_session
from appointment.application.create_collective_session import (
    SessionDraft,
    create_collective_session,
)
from appointment.application.erase_collective_registrations import (
    erase_collective_registrations,
)
from appointment.application.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from appointment.application.list_collective_sessions import list_collective_sessions
from appointment.application.mark_attendance import mark_attendance
from appointment.application.register_for_session import Enrolment, register_for_session
from appointment.application.requalify_session import requalify_session
from appointment.application.show_collective_session import show_collective_session
from appointment.domain.collective import (
    CollectiveSession,
    Registration,
    RegistrationStatus,
    SessionInputError,
    SessionStateError,
    SessionStatus,
    admission,
    free_seat_goes_to,
    next_in_line,
    waitlist_rank,
)
from appointment.domain.notices import Template
from jalon_shared.access import Principal, Role
from jalon_shared.directory.model import CaseEntry
from jalon_shared.events.appointment import CollectiveSessionRegistered
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import Modality
from tests.unit.fakes_collective import FakeStore

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
START = NOW + timedelta(days=10)
META = EventMeta(correlation_id="test", producer="appointment")
MANAGER = Principal(sub="m-anne", role=Role.MANAGER, region="bretagne")
OTHER_MANAGER = Principal(sub="m-paul", role=Role.MANAGER, region="normandie")
COUNSELLOR = Principal(sub="c-camille", role=Role.COUNSELLOR, region="bretagne")


def session(**changes: Any) -> CollectiveSession:
    """Return a face-to-face session at Rennes for 3 people, ten days ahead."""
    fields: dict[str, Any] = {
        "session_id": uuid.uuid4(),
        "title": "Découvrir le projet de transition professionnelle",
        "partner": "Transitions Pro Bretagne",
        "region": "bretagne",
        "site": "rennes",
        "modality": Modality.FACE_TO_FACE,
        "starts_at": START,
        "ends_at": START + timedelta(hours=2),
        "capacity": 3,
    }
    fields.update(changes)
    return CollectiveSession(**fields)


def registration(status: RegistrationStatus, position: int, **changes: Any) -> Registration:
    """Return a registration at a position."""
    fields: dict[str, Any] = {
        "registration_id": uuid.uuid4(),
        "session_id": uuid.uuid4(),
        "beneficiary_id": uuid.uuid4(),
        "status": status,
        "created_at": NOW,
        "position": position,
    }
    fields.update(changes)
    return Registration(**fields)


# Rules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"ends_at": START - timedelta(minutes=1)}, "ends_at", "ends_before_start"),
        ({"ends_at": START}, "ends_at", "ends_before_start"),
        ({"ends_at": START + timedelta(hours=13)}, "ends_at", "too_long"),
        ({"capacity": 0}, "capacity", "out_of_range"),
        ({"capacity": 501}, "capacity", "out_of_range"),
        ({"site": None}, "site", "site_required"),
        ({"modality": Modality.VIDEO}, "site", "site_not_allowed"),
        ({"modality": Modality.ASYNCHRONOUS, "site": None}, "modality", "unknown_modality"),
        ({"title": "   "}, "title", "missing"),
        ({"partner": "x" * 201}, "partner", "too_long"),
        ({"starts_at": START.replace(tzinfo=None)}, "starts_at", "naive_time"),
    ],
)
def test_a_session_that_cannot_hold_names_its_field(
    changes: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(SessionInputError) as refused:
        session(**changes)
    assert (refused.value.field, refused.value.reason) == (field, reason)


def test_capacity_bounds_and_remote_sessions_without_site_are_accepted() -> None:
    assert session(capacity=1).capacity == 1
    assert session(capacity=500).capacity == 500
    assert session(modality=Modality.PHONE, site=None).site is None


def test_a_new_session_starts_ahead_within_two_years_and_keeps_whole_seconds() -> None:
    def plan(starts_at: datetime) -> CollectiveSession:
        return CollectiveSession.plan(
            session_id=uuid.uuid4(),
            title="  Réunion  ",
            partner="  ",
            region="bretagne",
            site="rennes",
            modality=Modality.FACE_TO_FACE,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            capacity=10,
            created_by="m-anne",
            now=NOW,
        )

    planned = plan(START.replace(microsecond=123456))
    assert (planned.title, planned.partner, planned.starts_at) == ("Réunion", None, START)
    for when, reason in ((NOW, "in_the_past"), (NOW + timedelta(days=800), "too_far")):
        with pytest.raises(SessionInputError) as refused:
            plan(when)
        assert (refused.value.field, refused.value.reason) == ("starts_at", reason)


def test_a_seat_while_one_remains_then_the_waitlist() -> None:
    assert admission(0, 3) is RegistrationStatus.REGISTERED
    assert admission(2, 3) is RegistrationStatus.REGISTERED
    assert admission(3, 3) is RegistrationStatus.WAITLISTED


def test_a_freed_seat_goes_to_the_earliest_waitlisted_while_the_session_is_open() -> None:
    open_session = session()
    late, early = (
        registration(RegistrationStatus.WAITLISTED, 9),
        registration(RegistrationStatus.WAITLISTED, 5),
    )
    seated = registration(RegistrationStatus.REGISTERED, 1)
    assert next_in_line([late, seated, early]) == early
    assert free_seat_goes_to(open_session, [late, early], NOW) == early
    assert free_seat_goes_to(open_session, [late, early], START) is None
    assert free_seat_goes_to(open_session.cancelled(NOW), [early], NOW) is None
    assert next_in_line([seated]) is None
    assert waitlist_rank(late, [late, early, seated]) == 2
    assert waitlist_rank(early, [late, early]) == 1
    assert waitlist_rank(seated, [late, early]) is None
    assert early.promoted().status is RegistrationStatus.REGISTERED
    with pytest.raises(SessionStateError):
        seated.promoted()


def test_cancelling_a_registration_only_while_active_and_before_the_start() -> None:
    meeting = session()
    seated = registration(RegistrationStatus.REGISTERED, 1, session_id=meeting.session_id)
    assert seated.cancelled(meeting, NOW).status is RegistrationStatus.CANCELLED
    with pytest.raises(SessionStateError) as refused:
        seated.cancelled(meeting, START)
    assert refused.value.reason == "session_started"
    with pytest.raises(SessionStateError) as refused:
        seated.cancelled(meeting, NOW).cancelled(meeting, NOW)
    assert refused.value.reason == "not_registered"


def test_attendance_only_after_the_start_and_only_for_seated_people() -> None:
    meeting = session()
    seated = registration(RegistrationStatus.REGISTERED, 1)
    with pytest.raises(SessionStateError) as refused:
        seated.marked(attended=True, session=meeting, now=START - timedelta(minutes=1))
    assert refused.value.reason == "session_not_started"
    came = seated.marked(attended=True, session=meeting, now=START)
    assert came.status is RegistrationStatus.ATTENDED
    # A mistake can be corrected.
    assert came.marked(attended=False, session=meeting, now=START).status is (
        RegistrationStatus.ABSENT
    )
    for status in (RegistrationStatus.WAITLISTED, RegistrationStatus.CANCELLED):
        with pytest.raises(SessionStateError) as refused:
            registration(status, 2).marked(attended=True, session=meeting, now=START)
        assert refused.value.reason == "not_registered"
    with pytest.raises(SessionStateError):
        seated.marked(attended=True, session=meeting.cancelled(NOW), now=START)
    assert meeting.held(START).status is SessionStatus.HELD


def test_requalifying_goes_to_phone_or_video_ahead_of_a_scheduled_session() -> None:
    meeting = session()
    moved = meeting.requalified(Modality.VIDEO, NOW)
    assert (moved.modality, moved.site, moved.sequence) == (Modality.VIDEO, None, 1)
    assert moved.requalified(Modality.PHONE, NOW).sequence == 2
    with pytest.raises(SessionInputError) as wrong:
        meeting.requalified(Modality.FACE_TO_FACE, NOW)
    assert (wrong.value.field, wrong.value.reason) == ("modality", "not_remote")
    with pytest.raises(SessionStateError) as refused:
        moved.requalified(Modality.VIDEO, NOW)
    assert refused.value.reason == "same_modality"
    with pytest.raises(SessionStateError) as refused:
        meeting.requalified(Modality.VIDEO, START)
    assert refused.value.reason == "session_started"
    with pytest.raises(SessionStateError) as refused:
        meeting.cancelled(NOW).requalified(Modality.VIDEO, NOW)
    assert refused.value.reason == "session_cancelled"


def test_cancelling_a_session_bumps_its_sequence_once_and_not_after_it_ended() -> None:
    meeting = session()
    cancelled = meeting.cancelled(NOW)
    assert (cancelled.status, cancelled.sequence) == (SessionStatus.CANCELLED, 1)
    with pytest.raises(SessionStateError):
        cancelled.cancelled(NOW)
    with pytest.raises(SessionStateError) as refused:
        meeting.cancelled(meeting.ends_at)
    assert refused.value.reason == "session_over"


# Use cases over fakes -------------------------------------------------------------------------


class World:
    """A fake store with a clock, and beneficiaries with open cases."""

    def __init__(self) -> None:
        self.store = FakeStore()
        self.now = NOW

    def clock(self) -> datetime:
        return self.now

    def beneficiary(self, region: str = "bretagne", status: str = "open") -> Principal:
        person = uuid.uuid4()
        self.store.cases.append(
            CaseEntry(
                case_id=uuid.uuid4(),
                beneficiary_id=person,
                counsellor_id="c-camille",
                region=region,
                site="rennes" if region == "bretagne" else "caen",
                status=status,  # type: ignore[arg-type]
            )
        )
        return Principal(sub=str(person), role=Role.BENEFICIARY)

    async def create(self, principal: Principal = MANAGER, **changes: Any) -> CollectiveSession:
        fields: dict[str, Any] = {
            "title": "Réunion d'information",
            "partner": None,
            "modality": Modality.FACE_TO_FACE,
            "site": "rennes",
            "starts_at": START,
            "ends_at": START + timedelta(hours=2),
            "capacity": 2,
        }
        fields.update(changes)
        return await create_collective_session(
            SessionDraft(**fields),
            principal=principal,
            uow=self.store,
            directory=self.store,
            clock=self.clock,
        )

    async def register(self, session_id: uuid.UUID, who: Principal) -> Enrolment:
        return await register_for_session(
            session_id,
            principal=who,
            uow=self.store,
            directory=self.store,
            clock=self.clock,
            meta=META,
        )

    async def cancel(self, session_id: uuid.UUID, who: Principal) -> Registration:
        return await cancel_registration(
            session_id, principal=who, uow=self.store, clock=self.clock, meta=META
        )

    def events(self) -> list[tuple[uuid.UUID, str]]:
        return [
            (e.beneficiary_id, e.status)
            for e in self.store.state.events
            if isinstance(e, CollectiveSessionRegistered)
        ]

    def notices(self, template: Template) -> list[uuid.UUID]:
        return [
            n.beneficiary_id for n in self.store.state.notices.values() if n.template is template
        ]


@pytest.fixture
def world() -> World:
    return World()


def bid(principal: Principal) -> uuid.UUID:
    found = principal.beneficiary_id()
    assert found is not None
    return found


async def test_a_manager_creates_in_their_region_and_bad_input_stores_nothing(
    world: World,
) -> None:
    created = await world.create()
    assert (created.region, created.created_by) == ("bretagne", "m-anne")
    for changes, field in (
        ({"ends_at": START - timedelta(hours=1)}, "ends_at"),
        ({"site": None}, "site"),
        ({"site": "caen"}, "site"),
        ({"capacity": 0}, "capacity"),
    ):
        with pytest.raises(InvalidInputError) as refused:
            await world.create(**changes)
        assert refused.value.field == field
    with pytest.raises(ForbiddenError):
        await world.create(COUNSELLOR)
    assert list(world.store.state.sessions) == [created.session_id]


async def test_registrations_fill_the_seats_then_the_waitlist_and_are_told(world: World) -> None:
    meeting = await world.create()
    people = [world.beneficiary() for _ in range(4)]
    answers = [await world.register(meeting.session_id, p) for p in people]
    assert [a.registration.status.value for a in answers] == [
        "registered",
        "registered",
        "waitlisted",
        "waitlisted",
    ]
    assert [a.waitlist_rank for a in answers] == [None, None, 1, 2]
    assert world.events() == [
        (bid(people[0]), "registered"),
        (bid(people[1]), "registered"),
        (bid(people[2]), "waitlisted"),
        (bid(people[3]), "waitlisted"),
    ]
    assert world.notices(Template.SESSION_REGISTERED) == [bid(people[0]), bid(people[1])]
    assert world.notices(Template.SESSION_WAITLISTED) == [bid(people[2]), bid(people[3])]
    with pytest.raises(ConflictError) as twice:
        await world.register(meeting.session_id, people[0])
    assert twice.value.reason == "already_registered"
    assert world.store.state.registered[meeting.session_id] == 2


async def test_a_cancel_promotes_the_first_waitlisted_who_is_told(world: World) -> None:
    meeting = await world.create()
    people = [world.beneficiary() for _ in range(4)]
    for p in people:
        await world.register(meeting.session_id, p)
    await world.cancel(meeting.session_id, people[1])
    assert world.events()[-2:] == [(bid(people[1]), "cancelled"), (bid(people[2]), "promoted")]
    assert world.notices(Template.SESSION_PROMOTED) == [bid(people[2])]
    assert world.store.state.registered[meeting.session_id] == 2
    listed = await list_collective_sessions(
        principal=people[3], queries=world.store, directory=world.store, clock=world.clock
    )
    assert listed[0].own is not None
    assert (listed[0].own.registration.status, listed[0].own.waitlist_rank) == (
        RegistrationStatus.WAITLISTED,
        1,
    )
    # A waitlisted person leaving frees no seat: nobody is promoted.
    await world.cancel(meeting.session_id, people[3])
    assert world.notices(Template.SESSION_PROMOTED) == [bid(people[2])]
    # Registering again after cancelling is allowed, and is told again.
    again = await world.register(meeting.session_id, people[1])
    assert again.registration.status is RegistrationStatus.WAITLISTED
    assert world.notices(Template.SESSION_WAITLISTED).count(bid(people[1])) == 1


async def test_a_cancel_with_an_empty_waitlist_frees_the_seat(world: World) -> None:
    meeting = await world.create()
    person = world.beneficiary()
    await world.register(meeting.session_id, person)
    await world.cancel(meeting.session_id, person)
    assert world.store.state.registered[meeting.session_id] == 0
    with pytest.raises(NotFoundError):
        await world.cancel(meeting.session_id, person)


async def test_only_beneficiaries_with_an_open_case_in_the_region_see_and_register(
    world: World,
) -> None:
    meeting = await world.create()
    elsewhere = world.beneficiary("normandie")
    closed = world.beneficiary(status="closed")
    for who in (elsewhere, closed):
        with pytest.raises(NotFoundError):
            await world.register(meeting.session_id, who)
        with pytest.raises(NotFoundError):
            await show_collective_session(
                meeting.session_id,
                principal=who,
                queries=world.store,
                directory=world.store,
                clock=world.clock,
            )
        assert (
            await list_collective_sessions(
                principal=who, queries=world.store, directory=world.store, clock=world.clock
            )
            == []
        )
    with pytest.raises(ForbiddenError):
        await world.register(meeting.session_id, COUNSELLOR)
    assert world.store.state.registrations == {}


async def test_a_beneficiary_sees_only_their_own_registration(world: World) -> None:
    meeting = await world.create()
    me, other = world.beneficiary(), world.beneficiary()
    await world.register(meeting.session_id, other)
    await world.register(meeting.session_id, me)
    mine = await show_collective_session(
        meeting.session_id,
        principal=me,
        queries=world.store,
        directory=world.store,
        clock=world.clock,
    )
    assert mine.attendees is None
    assert mine.own is not None
    assert mine.own.registration.beneficiary_id == bid(me)
    staff = await show_collective_session(
        meeting.session_id,
        principal=COUNSELLOR,
        queries=world.store,
        directory=world.store,
        clock=world.clock,
    )
    assert staff.attendees is not None
    assert [a.registration.beneficiary_id for a in staff.attendees] == [bid(other), bid(me)]
    assert all(a.case_id is not None for a in staff.attendees)
    with pytest.raises(ForbiddenError):
        await show_collective_session(
            meeting.session_id,
            principal=OTHER_MANAGER,
            queries=world.store,
            directory=world.store,
            clock=world.clock,
        )


async def test_attendance_by_staff_of_the_region_after_the_start(world: World) -> None:
    meeting = await world.create()
    person = world.beneficiary()
    enrolled = await world.register(meeting.session_id, person)
    rid = enrolled.registration.registration_id

    async def mark(who: Principal, attended: bool = True) -> Registration:
        return await mark_attendance(
            meeting.session_id,
            rid,
            attended=attended,
            principal=who,
            uow=world.store,
            clock=world.clock,
            meta=META,
        )

    with pytest.raises(ConflictError) as early:
        await mark(COUNSELLOR)
    assert early.value.reason == "session_not_started"
    world.now = START + timedelta(minutes=5)
    with pytest.raises(ForbiddenError):
        await mark(OTHER_MANAGER)
    assert (await mark(COUNSELLOR)).status is RegistrationStatus.ATTENDED
    assert (await mark(MANAGER, attended=False)).status is RegistrationStatus.ABSENT
    await mark(MANAGER, attended=False)
    assert world.events()[-2:] == [(bid(person), "attended"), (bid(person), "absent")]
    assert world.store.state.sessions[meeting.session_id].status is SessionStatus.HELD
    with pytest.raises(NotFoundError):
        await mark_attendance(
            meeting.session_id,
            uuid.uuid4(),
            attended=True,
            principal=COUNSELLOR,
            uow=world.store,
            clock=world.clock,
            meta=META,
        )


async def test_requalifying_tells_every_active_registrant_once_per_change(world: World) -> None:
    meeting = await world.create(capacity=1)
    seated, waiting, left = world.beneficiary(), world.beneficiary(), world.beneficiary()
    for p in (seated, waiting, left):
        await world.register(meeting.session_id, p)
    await world.cancel(meeting.session_id, left)

    async def requalify(modality: Modality, who: Principal = MANAGER) -> CollectiveSession:
        return await requalify_session(
            meeting.session_id, modality, principal=who, uow=world.store, clock=world.clock
        )

    with pytest.raises(ForbiddenError):
        await requalify(Modality.VIDEO, OTHER_MANAGER)
    with pytest.raises(ForbiddenError):
        await requalify(Modality.VIDEO, COUNSELLOR)
    moved = await requalify(Modality.VIDEO)
    assert (moved.modality, moved.site) == (Modality.VIDEO, None)
    assert sorted(world.notices(Template.SESSION_REQUALIFIED)) == sorted(
        [bid(seated), bid(waiting)]
    )
    await requalify(Modality.PHONE)
    assert len(world.notices(Template.SESSION_REQUALIFIED)) == 4
    with pytest.raises(InvalidInputError) as refused:
        await requalify(Modality.FACE_TO_FACE)
    assert refused.value.field == "modality"


async def test_cancelling_a_session_ends_every_registration_and_tells_each(world: World) -> None:
    meeting = await world.create(capacity=1)
    seated, waiting = world.beneficiary(), world.beneficiary()
    for p in (seated, waiting):
        await world.register(meeting.session_id, p)
    with pytest.raises(ForbiddenError):
        await cancel_session(
            meeting.session_id,
            principal=OTHER_MANAGER,
            uow=world.store,
            clock=world.clock,
            meta=META,
        )
    await cancel_session(
        meeting.session_id, principal=MANAGER, uow=world.store, clock=world.clock, meta=META
    )
    assert world.events()[-2:] == [(bid(seated), "cancelled"), (bid(waiting), "cancelled")]
    assert sorted(world.notices(Template.SESSION_CANCELLED)) == sorted([bid(seated), bid(waiting)])
    with pytest.raises(ConflictError) as refused:
        await world.register(meeting.session_id, world.beneficiary())
    assert refused.value.reason == "session_cancelled"
    listed = await list_collective_sessions(
        principal=seated, queries=world.store, directory=world.store, clock=world.clock
    )
    # The cancelled session stays on the registrant's list, with their cancelled registration.
    assert [item.line.session.status for item in listed] == [SessionStatus.CANCELLED]


async def test_erasure_deletes_registrations_and_gives_the_seat_on(world: World) -> None:
    meeting = await world.create(capacity=1)
    erased, next_one = world.beneficiary(), world.beneficiary()
    for p in (erased, next_one):
        await world.register(meeting.session_id, p)
    gone = await erase_collective_registrations(
        bid(erased), uow=world.store, clock=world.clock, meta=META
    )
    assert gone == 1
    assert [r.beneficiary_id for r in world.store.state.registrations.values()] == [bid(next_one)]
    assert world.events()[-1] == (bid(next_one), "promoted")
    assert world.store.state.registered[meeting.session_id] == 1
    # Delivered again, it finds nothing left to do.
    assert (
        await erase_collective_registrations(
            bid(erased), uow=world.store, clock=world.clock, meta=META
        )
        == 0
    )


async def test_staff_list_their_region_only(world: World) -> None:
    mine = await world.create()
    theirs = await world.create(OTHER_MANAGER, site="caen")
    listed = await list_collective_sessions(
        principal=COUNSELLOR, queries=world.store, directory=world.store, clock=world.clock
    )
    assert [item.line.session.session_id for item in listed] == [mine.session_id]
    listed = await list_collective_sessions(
        principal=OTHER_MANAGER, queries=world.store, directory=world.store, clock=world.clock
    )
    assert [item.line.session.session_id for item in listed] == [theirs.session_id]

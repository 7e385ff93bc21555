"""An ended remote session holds its appointment once, with the modality actually used."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from appointment.application.hold_from_session import hold_from_session
from appointment.domain.availability import AppointmentKind
from appointment.domain.booking import Appointment, Status
from jalon_shared.events.appointment import AppointmentHeld
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.session import SessionEnded, SessionMessagePosted
from jalon_shared.events.vocabulary import AbsentParty, Modality, RoomKind
from tests.unit.fakes_appointment import FakeStore

START = datetime(2026, 12, 1, 13, 30, tzinfo=UTC)
NOW = START + timedelta(hours=1, minutes=5)
META = EventMeta(correlation_id="test", causation_id="session-event", producer="appointment")


def booked(**changes: Any) -> Appointment:
    """Return a booked video follow-up at START."""
    base = Appointment(
        appointment_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        beneficiary_id=uuid.uuid4(),
        counsellor_id="c-1",
        kind=AppointmentKind.FOLLOW_UP,
        modality=Modality.VIDEO,
        place="remote",
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        region="bretagne",
        site="rennes",
    )
    return replace(base, **changes)


def ended(appointment: Appointment, **changes: Any) -> SessionEnded:
    """Return the session.ended of the appointment's room, video both ways."""
    fields: dict[str, Any] = {
        "correlation_id": "t",
        "producer": "remote_session",
        "room_id": uuid.uuid4(),
        "kind": RoomKind.ONE_TO_ONE,
        "appointment_id": appointment.appointment_id,
        "case_id": appointment.case_id,
        "beneficiary_id": appointment.beneficiary_id,
        "counsellor_id": appointment.counsellor_id,
        "started_at": START + timedelta(minutes=2),
        "ended_at": START + timedelta(minutes=55),
        "duration_seconds": 53 * 60.0,
        "modality": Modality.VIDEO,
        "audio_only": False,
        "participants": 2,
    }
    return SessionEnded(**(fields | changes))


def store_with(*appointments: Appointment) -> FakeStore:
    store = FakeStore()
    for appointment in appointments:
        store.state.appointments[appointment.appointment_id] = appointment
    return store


async def hold(store: FakeStore, event: Any, now: datetime = NOW) -> Appointment | None:
    return await hold_from_session(store, store, store, event, now=now, meta=META)


async def test_an_ended_session_holds_its_appointment_as_the_counsellor_would() -> None:
    appointment = booked()
    store = store_with(appointment)
    store.opened[appointment.case_id] = START - timedelta(days=10)

    held = await hold(store, ended(appointment))

    assert held is not None
    assert held.status is Status.HELD
    assert store.state.appointments[appointment.appointment_id].status is Status.HELD
    (event,) = store.state.events
    assert isinstance(event, AppointmentHeld)
    assert event.source == "session"
    assert event.modality is Modality.VIDEO
    assert event.appointment_id == appointment.appointment_id
    assert event.case_id == appointment.case_id
    assert event.first_held is True
    assert event.case_opened_at == START - timedelta(days=10)
    assert event.causation_id == "session-event"


async def test_a_video_appointment_that_ran_audio_only_is_held_by_phone() -> None:
    appointment = booked()
    store = store_with(appointment)

    await hold(store, ended(appointment, modality=Modality.PHONE, audio_only=True))

    (event,) = store.state.events
    assert isinstance(event, AppointmentHeld)
    assert event.modality is Modality.PHONE
    # The booking keeps what was booked; the event says what was used.
    assert store.state.appointments[appointment.appointment_id].modality is Modality.VIDEO


async def test_a_redelivered_session_ended_changes_nothing() -> None:
    appointment = booked()
    store = store_with(appointment)
    event = ended(appointment)
    assert await hold(store, event) is not None
    after_first = (dict(store.state.appointments), list(store.state.events))

    assert await hold(store, event) is None
    assert await hold(store, ended(appointment)) is None
    assert (dict(store.state.appointments), list(store.state.events)) == after_first


@pytest.mark.parametrize(
    "settled",
    [
        {"status": Status.HELD},
        {"status": Status.NO_SHOW, "absent": AbsentParty.BENEFICIARY},
        {"status": Status.CANCELLED, "reason": "illness"},
    ],
    ids=["held", "no_show", "cancelled"],
)
async def test_a_settled_or_cancelled_appointment_stays_as_it_is(settled: dict[str, Any]) -> None:
    appointment = booked(**settled)
    store = store_with(appointment)

    assert await hold(store, ended(appointment)) is None

    assert store.state.appointments[appointment.appointment_id] == appointment
    assert store.state.events == []
    assert store.state.commits == 0


async def test_a_session_that_ended_before_the_booked_start_still_holds_it() -> None:
    appointment = booked()
    store = store_with(appointment)
    early = ended(
        appointment,
        started_at=START - timedelta(minutes=14),
        ended_at=START - timedelta(minutes=1),
    )

    held = await hold(store, early, now=START - timedelta(seconds=30))

    assert held is not None
    assert held.status is Status.HELD


async def test_what_is_not_an_appointment_session_is_ignored() -> None:
    appointment = booked()
    store = store_with(appointment)
    collective = ended(
        appointment,
        kind=RoomKind.COLLECTIVE,
        appointment_id=None,
        case_id=None,
        beneficiary_id=None,
        collective_session_id=uuid.uuid4(),
    )
    unknown = ended(booked())
    other_case = ended(appointment, case_id=uuid.uuid4())
    message = SessionMessagePosted(
        correlation_id="t",
        producer="remote_session",
        message_id=uuid.uuid4(),
        case_id=appointment.case_id,
        beneficiary_id=appointment.beneficiary_id,
        author_role="beneficiary",
    )

    for event in (collective, unknown, other_case, message):
        assert await hold(store, event) is None

    assert store.state.appointments[appointment.appointment_id].status is Status.BOOKED
    assert store.state.events == []

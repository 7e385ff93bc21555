"""Remote sessions feed appointment and intake over real Kafka and MongoDB, once each."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from appointment.adapters.mongo import appointment_to_doc
from appointment.domain.availability import AppointmentKind
from appointment.domain.booking import Appointment, Status
from appointment.entrypoints.main import build_app as build_appointment
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo
from jalon_shared.access import Role
from jalon_shared.events.envelope import Event, utc_now
from jalon_shared.events.session import SessionCallLogged, SessionEnded
from jalon_shared.events.vocabulary import AbsentParty, CallOutcome, Modality, RoomKind
from jalon_shared.mongo import Client
from tests.integration.conftest import RunningService, run_service
from tests.support import Keys, eventually, intake_payload, register_region

#: Appointment's consumer group of session events, under this module's service name.
SESSIONS_CONSUMER = "appointment-sessions.sessions"
CALLS_CONSUMER = "intake.calls"


@pytest.fixture(scope="module")
async def appointment(
    kafka: EmbeddedKafka, mongo: EmbeddedMongo, keys: Keys, mongo_client: Client
) -> AsyncIterator[RunningService]:
    """Run the appointment service for this module, under consumer groups of its own."""
    async with run_service(
        "appointment-sessions", build_appointment, kafka, mongo, keys, mongo_client
    ) as service:
        yield service


class Person:
    """A beneficiary whose request opened a case with a counsellor of a region of its own."""

    def __init__(self, intake: RunningService, keys: Keys) -> None:
        self.intake = intake
        self.keys = keys
        self.region = f"r{uuid.uuid4().hex[:8]}"
        self.counsellor = f"c-{self.region}"
        self.beneficiary_id = uuid.uuid4()
        self.case_id = uuid.uuid4()

    async def open_case(self) -> Person:
        """Register the region and counsellor, then the person's request."""
        await register_region(self.intake.http, self.keys, self.region)
        manager = self.keys.headers("m-1", Role.MANAGER, region=self.region)
        registered = await self.intake.http.put(
            f"/counsellors/{self.counsellor}",
            json={
                "display_name": "Conseil",
                "region": self.region,
                "site": "rennes",
                "capacity": 5,
            },
            headers=manager,
        )
        assert registered.status_code == 200, registered.text
        submitted = await self.intake.http.post(
            "/requests",
            json=intake_payload(region=self.region, site="rennes"),
            headers=self.keys.headers(str(self.beneficiary_id), Role.BENEFICIARY),
        )
        assert submitted.status_code == 201, submitted.text
        self.case_id = uuid.UUID(submitted.json()["case_id"])
        return self

    async def case(self) -> dict[str, Any]:
        """Return the case as its counsellor reads it."""
        me = self.keys.headers(self.counsellor, Role.COUNSELLOR, region=self.region)
        answer = await self.intake.http.get(f"/cases/{self.case_id}", headers=me)
        assert answer.status_code == 200, answer.text
        case: dict[str, Any] = answer.json()
        return case


async def publish(kafka: EmbeddedKafka, *events: Event) -> None:
    """Send events as remote-session's relay would, in order, keyed by their aggregate."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                event.TOPIC, event.to_json_bytes(), key=event.key().encode()
            )
    finally:
        await producer.stop()


async def store_appointment(service: RunningService, person: Person, **changes: Any) -> Appointment:
    """Write a video appointment of the person's case that started an hour ago."""
    starts_at = utc_now().replace(microsecond=0) - timedelta(hours=1)
    fields: dict[str, Any] = {
        "appointment_id": uuid.uuid4(),
        "case_id": person.case_id,
        "beneficiary_id": person.beneficiary_id,
        "counsellor_id": person.counsellor,
        "kind": AppointmentKind.FOLLOW_UP,
        "modality": Modality.VIDEO,
        "place": "remote",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=1),
        "region": person.region,
        "site": "rennes",
    }
    appointment = Appointment(**(fields | changes))
    await service.db["appointments"].insert_one(appointment_to_doc(appointment))
    return appointment


def ended(appointment: Appointment, room_id: uuid.UUID, **changes: Any) -> SessionEnded:
    """Return the session.ended of the appointment's room."""
    fields: dict[str, Any] = {
        "correlation_id": "session-consumers",
        "producer": "remote_session",
        "room_id": room_id,
        "kind": RoomKind.ONE_TO_ONE,
        "appointment_id": appointment.appointment_id,
        "case_id": appointment.case_id,
        "beneficiary_id": appointment.beneficiary_id,
        "counsellor_id": appointment.counsellor_id,
        "started_at": appointment.starts_at + timedelta(minutes=1),
        "ended_at": appointment.starts_at + timedelta(minutes=50),
        "duration_seconds": 49 * 60.0,
        "modality": Modality.VIDEO,
        "audio_only": False,
        "participants": 2,
        "region": appointment.region,
    }
    return SessionEnded(**(fields | changes))


async def status_of(service: RunningService, appointment: Appointment) -> str:
    doc = await service.db["appointments"].find_one({"_id": appointment.appointment_id})
    assert doc is not None
    return str(doc["status"])


async def held_events(service: RunningService, appointment: Appointment) -> list[dict[str, Any]]:
    """Return the appointment.held payloads appointment staged for the appointment."""
    cursor = service.db["outbox"].find(
        {"event_type": "appointment.held", "key": str(appointment.appointment_id)}
    )
    return [json.loads(record["payload"]) async for record in cursor]


async def processed(service: RunningService, consumer: str, event: Event) -> bool:
    marker = await service.db["processed_events"].find_one(
        {"consumer": consumer, "event_id": str(event.event_id)}
    )
    return marker is not None


async def dead_letters(service: RunningService, consumer: str) -> int:
    return await service.db["dead_letters"].count_documents({"consumer": consumer})


async def test_an_ended_session_holds_its_appointment_once_and_is_a_contact(
    appointment: RunningService, intake: RunningService, keys: Keys, kafka: EmbeddedKafka
) -> None:
    person = await Person(intake, keys).open_case()
    booked = await store_appointment(appointment, person)
    missed = await store_appointment(
        appointment, person, status=Status.NO_SHOW, absent=AbsentParty.BENEFICIARY
    )
    room = uuid.uuid4()
    first = ended(booked, room)
    await publish(kafka, first)

    async def held() -> bool:
        return await status_of(appointment, booked) == Status.HELD.value

    await eventually(held)
    (event,) = await held_events(appointment, booked)
    assert event["source"] == "session"
    assert event["modality"] == "video"
    assert event["case_id"] == str(person.case_id)
    assert event["causation_id"] == str(first.event_id)

    # appointment.held reaches intake through Kafka: the case had its first contact.
    async def contacted() -> dict[str, Any] | None:
        case = await person.case()
        return case if case["last_contact_at"] else None

    case = await eventually(contacted)
    assert case["status"] == "in_progress"

    # The same event again, a second one for the same room (its audio only this time), and one
    # for an appointment already missed: all applied, none changes anything or dead-letters.
    again = ended(booked, room, modality=Modality.PHONE, audio_only=True)
    other = ended(missed, uuid.uuid4())
    await publish(kafka, first, again, other)

    async def applied() -> bool:
        return await processed(appointment, SESSIONS_CONSUMER, again) and await processed(
            appointment, SESSIONS_CONSUMER, other
        )

    await eventually(applied)
    assert len(await held_events(appointment, booked)) == 1
    assert await held_events(appointment, missed) == []
    assert await status_of(appointment, booked) == Status.HELD.value
    assert await status_of(appointment, missed) == Status.NO_SHOW.value
    assert await dead_letters(appointment, SESSIONS_CONSUMER) == 0


def call(person: Person, outcome: CallOutcome, ended_at: datetime) -> SessionCallLogged:
    """Return a call the counsellor logged on the person's case."""
    return SessionCallLogged(
        correlation_id="session-consumers",
        producer="remote_session",
        call_id=uuid.uuid4(),
        case_id=person.case_id,
        beneficiary_id=person.beneficiary_id,
        counsellor_id=person.counsellor,
        started_at=ended_at - timedelta(minutes=3),
        ended_at=ended_at,
        duration_seconds=180.0,
        outcome=outcome,
    )


async def test_a_reached_call_is_a_contact_and_an_unanswered_one_an_attempt(
    intake: RunningService, keys: Keys, kafka: EmbeddedKafka
) -> None:
    person = await Person(intake, keys).open_case()
    now = utc_now().replace(microsecond=0)
    unanswered = call(person, CallOutcome.NO_ANSWER, now - timedelta(hours=2))
    await publish(kafka, unanswered)

    async def attempted() -> list[dict[str, Any]] | None:
        history: list[dict[str, Any]] = (await person.case())["history"]
        attempts = [entry for entry in history if entry["action"] == "call_attempted"]
        return attempts or None

    (attempt,) = await eventually(attempted)
    assert attempt["detail"] == "no_answer"
    assert attempt["by"] == "counsellor"
    case = await person.case()
    assert case["last_contact_at"] is None
    assert case["status"] == "opened"

    # Redelivered, then a reached call on the same case (same key, so after it): one attempt,
    # and the reached call is the contact.
    reached = call(person, CallOutcome.REACHED, now - timedelta(minutes=5))
    await publish(kafka, unanswered, reached)

    async def contacted() -> dict[str, Any] | None:
        case = await person.case()
        return case if case["last_contact_at"] else None

    case = await eventually(contacted)
    assert datetime.fromisoformat(case["last_contact_at"]) == reached.ended_at
    assert case["status"] == "in_progress"
    assert [entry["action"] for entry in case["history"]].count("call_attempted") == 1
    assert await processed(intake, CALLS_CONSUMER, reached)
    assert await dead_letters(intake, CALLS_CONSUMER) == 0

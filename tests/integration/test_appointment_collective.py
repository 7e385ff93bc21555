"""Collective sessions on the real embedded stack: the capacity under concurrent registrations,
the waitlist, access by region, attendance, the outbox and the notices, and bad input."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from appointment.entrypoints.collective_wiring import build_collective
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo
from jalon_shared.access import Role
from jalon_shared.directory.store import Directory
from jalon_shared.events.intake import BeneficiaryErased
from jalon_shared.mongo import Client, Session, in_transaction
from jalon_shared.runtime import Infrastructure, create_service_app, verifier_from
from jalon_shared.settings import ServiceSettings
from tests.integration.conftest import RunningService
from tests.support import Keys, running, service_settings

BRETAGNE, NORMANDIE = "bretagne", "normandie"


@dataclass
class MovableClock:
    """The service's clock, which a test moves forward to reach a session's start."""

    offset: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Appointment(RunningService):
    """The appointment service with its movable clock and its collective wiring."""

    clock: MovableClock
    app: FastAPI


def build_app(settings: ServiceSettings, clock: MovableClock) -> FastAPI:
    """Build the collective sessions as the composition root will, on their own app."""
    infra = Infrastructure.build(settings)
    directory = Directory(infra.database, erasure_memory=timedelta(days=30))
    collective = build_collective(infra, directory, clock=clock)
    app = create_service_app(
        infra,
        title="Jalon appointment",
        description="Collective sessions under test",
        routers=[collective.router],
        verifier=verifier_from(settings),
        on_startup=[directory.ensure_indexes, *collective.on_startup],
    )
    app.state.collective = collective
    return app


@pytest.fixture(scope="module")
async def appointment(
    kafka: EmbeddedKafka, mongo: EmbeddedMongo, keys: Keys, mongo_client: Client
) -> AsyncIterator[Appointment]:
    """Run the service with the directory copy seeded as intake's events would have left it."""
    settings = service_settings(
        "appointment-collective", kafka=kafka.bootstrap, mongo_uri=mongo.uri, keys=keys
    )
    clock = MovableClock()
    db = mongo_client[settings.database_name()]
    await db["directory_regions"].insert_many(
        [
            {
                "_id": BRETAGNE,
                "label": "Bretagne",
                "sites": [
                    {"code": "rennes", "label": "Rennes", "active": True},
                    {"code": "brest", "label": "Brest", "active": True},
                ],
            },
            {
                "_id": NORMANDIE,
                "label": "Normandie",
                "sites": [{"code": "caen", "label": "Caen", "active": True}],
            },
        ]
    )
    app = build_app(settings, clock)
    async with running(app) as http:
        yield Appointment(http, settings, db, clock, app)


def manager(keys: Keys, region: str = BRETAGNE) -> dict[str, str]:
    return keys.headers(f"m-{region}", Role.MANAGER, region=region)


def counsellor(keys: Keys, region: str = BRETAGNE) -> dict[str, str]:
    return keys.headers(f"c-{region}", Role.COUNSELLOR, region=region)


async def beneficiary(service: RunningService, keys: Keys, region: str = BRETAGNE) -> Any:
    """Seed an open case in the region's directory copy; return the person's id and headers."""
    person = uuid.uuid4()
    await service.db["directory_cases"].insert_one(
        {
            "_id": uuid.uuid4(),
            "beneficiary_id": person,
            "counsellor_id": f"c-{region}",
            "region": region,
            "site": "rennes" if region == BRETAGNE else "caen",
            "status": "open",
        }
    )
    return person, keys.headers(str(person), Role.BENEFICIARY)


def session_body(**overrides: Any) -> dict[str, Any]:
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    body: dict[str, Any] = {
        "title": "Découvrir le projet de transition professionnelle",
        "partner": "Transitions Pro Bretagne",
        "modality": "face_to_face",
        "site": "rennes",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "capacity": 3,
    }
    body.update(overrides)
    return body


async def create(service: RunningService, keys: Keys, **overrides: Any) -> dict[str, Any]:
    answer = await service.http.post(
        "/collective-sessions", json=session_body(**overrides), headers=manager(keys)
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def outbox_statuses(service: RunningService, session_id: str) -> list[tuple[str, str]]:
    """Return (beneficiary, status) of the session's events in the outbox, in order."""
    cursor = service.db["outbox"].find(
        {"event_type": "appointment.session_registered", "key": session_id}
    )
    payloads = [json.loads(d["payload"]) async for d in cursor.sort("_id", 1)]
    return [(p["beneficiary_id"], p["status"]) for p in payloads]


async def test_six_concurrent_registrations_for_three_seats(
    appointment: Appointment, keys: Keys
) -> None:
    created = await create(appointment, keys, capacity=3)
    sid = created["session_id"]
    people = [await beneficiary(appointment, keys) for _ in range(6)]
    answers = await asyncio.gather(
        *(
            appointment.http.post(f"/collective-sessions/{sid}/registration", headers=headers)
            for _, headers in people
        )
    )
    assert [a.status_code for a in answers] == [201] * 6, [a.text for a in answers]
    statuses = sorted(a.json()["status"] for a in answers)
    assert statuses == ["registered"] * 3 + ["waitlisted"] * 3
    assert sorted(a.json()["waitlist_rank"] or 0 for a in answers) == [0, 0, 0, 1, 2, 3]
    stored = await appointment.db["collective_sessions"].find_one({"_id": uuid.UUID(sid)})
    assert stored is not None
    assert (stored["registered"], stored["capacity"], stored["status"]) == (3, 3, "scheduled")
    for name in ("title", "starts_at", "ends_at", "modality", "site", "sequence", "partner"):
        assert name in stored, name
    count = await appointment.db["session_registrations"].count_documents(
        {"session_id": uuid.UUID(sid), "status": "registered"}
    )
    assert count == 3
    listed = await appointment.http.get("/collective-sessions", headers=counsellor(keys))
    line = next(s for s in listed.json() if s["session_id"] == sid)
    assert (line["registered"], line["waitlisted"], line["seats_left"]) == (3, 3, 0)
    events = await outbox_statuses(appointment, sid)
    assert sorted(status for _, status in events) == ["registered"] * 3 + ["waitlisted"] * 3


async def test_a_cancel_promotes_the_first_waitlisted_and_queues_their_notice(
    appointment: Appointment, keys: Keys
) -> None:
    created = await create(appointment, keys, capacity=1)
    sid = created["session_id"]
    people = [await beneficiary(appointment, keys) for _ in range(3)]
    for _, headers in people:
        answer = await appointment.http.post(
            f"/collective-sessions/{sid}/registration", headers=headers
        )
        assert answer.status_code == 201, answer.text
    (first, first_headers), (second, second_headers), (third, third_headers) = people
    shown = await appointment.http.get(f"/collective-sessions/{sid}", headers=third_headers)
    mine = shown.json()["my_registration"]
    assert (mine["status"], mine["waitlist_rank"]) == ("waitlisted", 2)
    assert shown.json()["registrations"] is None
    assert str(first) not in shown.text
    assert str(second) not in shown.text

    left = await appointment.http.delete(
        f"/collective-sessions/{sid}/registration", headers=first_headers
    )
    assert (left.status_code, left.json()["status"]) == (200, "cancelled")
    promoted = await appointment.http.get(f"/collective-sessions/{sid}", headers=second_headers)
    assert promoted.json()["my_registration"]["status"] == "registered"
    still = await appointment.http.get(f"/collective-sessions/{sid}", headers=third_headers)
    assert still.json()["my_registration"]["waitlist_rank"] == 1
    notice = await appointment.db["notifications"].find_one(
        {"template": "session_promoted", "beneficiary_id": second}
    )
    assert notice is not None
    assert (notice["session_id"], notice["status"]) == (uuid.UUID(sid), "pending")
    assert (
        await appointment.db["notifications"].count_documents(
            {"session_id": uuid.UUID(sid), "template": "session_registered"}
        )
        == 1
    )
    stored = await appointment.db["collective_sessions"].find_one({"_id": uuid.UUID(sid)})
    assert stored is not None
    assert stored["registered"] == 1
    assert await outbox_statuses(appointment, sid) == [
        (str(first), "registered"),
        (str(second), "waitlisted"),
        (str(third), "waitlisted"),
        (str(first), "cancelled"),
        (str(second), "promoted"),
    ]


async def test_a_second_registration_of_one_person_is_refused(
    appointment: Appointment, keys: Keys
) -> None:
    created = await create(appointment, keys)
    sid = created["session_id"]
    _, headers = await beneficiary(appointment, keys)
    path = f"/collective-sessions/{sid}/registration"
    assert (await appointment.http.post(path, headers=headers)).status_code == 201
    twice = await appointment.http.post(path, headers=headers)
    assert twice.status_code == 409, twice.text
    assert twice.json()["errors"][0]["type"] == "already_registered"
    stored = await appointment.db["collective_sessions"].find_one({"_id": uuid.UUID(sid)})
    assert stored is not None
    assert stored["registered"] == 1
    assert (
        await appointment.db["session_registrations"].count_documents(
            {"session_id": uuid.UUID(sid)}
        )
        == 1
    )


async def test_other_regions_are_refused(appointment: Appointment, keys: Keys) -> None:
    created = await create(appointment, keys)
    sid = created["session_id"]
    _, elsewhere = await beneficiary(appointment, keys, NORMANDIE)
    refused = await appointment.http.post(
        f"/collective-sessions/{sid}/registration", headers=elsewhere
    )
    assert refused.status_code == 404
    assert (
        await appointment.http.get(f"/collective-sessions/{sid}", headers=elsewhere)
    ).status_code == 404
    listed = await appointment.http.get("/collective-sessions", headers=elsewhere)
    assert sid not in listed.text
    for path, body in (
        (f"/collective-sessions/{sid}/requalify", {"modality": "video"}),
        (f"/collective-sessions/{sid}/cancel", None),
    ):
        answer = await appointment.http.post(path, json=body, headers=manager(keys, NORMANDIE))
        assert answer.status_code == 403, (path, answer.text)
    detail = await appointment.http.get(
        f"/collective-sessions/{sid}", headers=manager(keys, NORMANDIE)
    )
    assert detail.status_code == 403
    listed = await appointment.http.get("/collective-sessions", headers=manager(keys, NORMANDIE))
    assert sid not in listed.text
    stored = await appointment.db["collective_sessions"].find_one({"_id": uuid.UUID(sid)})
    assert stored is not None
    assert (stored["status"], stored["modality"], stored["registered"]) == (
        "scheduled",
        "face_to_face",
        0,
    )
    # A beneficiary may not create, nor a counsellor manage.
    own = await beneficiary(appointment, keys)
    assert (
        await appointment.http.post("/collective-sessions", json=session_body(), headers=own[1])
    ).status_code == 403
    assert (
        await appointment.http.post(f"/collective-sessions/{sid}/cancel", headers=counsellor(keys))
    ).status_code == 403


async def test_attendance_only_after_the_start_then_the_session_is_held(
    appointment: Appointment, keys: Keys
) -> None:
    created = await create(appointment, keys)
    sid = created["session_id"]
    person, headers = await beneficiary(appointment, keys)
    registered = await appointment.http.post(
        f"/collective-sessions/{sid}/registration", headers=headers
    )
    body = {"registration_id": registered.json()["registration_id"], "attended": True}
    path = f"/collective-sessions/{sid}/attendance"
    early = await appointment.http.post(path, json=body, headers=counsellor(keys))
    assert early.status_code == 409, early.text
    assert early.json()["errors"][0]["type"] == "session_not_started"
    appointment.clock.offset = timedelta(days=7, minutes=30)
    try:
        refused = await appointment.http.post(path, json=body, headers=counsellor(keys, NORMANDIE))
        assert refused.status_code == 403
        marked = await appointment.http.post(path, json=body, headers=counsellor(keys))
        assert (marked.status_code, marked.json()["status"]) == (200, "attended")
        detail = await appointment.http.get(f"/collective-sessions/{sid}", headers=manager(keys))
        seen = detail.json()
        assert seen["status"] == "held"
        assert [(r["beneficiary_id"], r["status"]) for r in seen["registrations"]] == [
            (str(person), "attended")
        ]
        absent = await appointment.http.post(
            path, json={**body, "attended": False}, headers=manager(keys)
        )
        assert absent.json()["status"] == "absent"
    finally:
        appointment.clock.offset = timedelta(0)
    assert [s for _, s in await outbox_statuses(appointment, sid)] == [
        "registered",
        "attended",
        "absent",
    ]


async def test_requalify_and_cancel_tell_every_registrant(
    appointment: Appointment, keys: Keys
) -> None:
    created = await create(appointment, keys, capacity=1)
    sid = created["session_id"]
    people = [await beneficiary(appointment, keys) for _ in range(2)]
    for _, headers in people:
        await appointment.http.post(f"/collective-sessions/{sid}/registration", headers=headers)
    moved = await appointment.http.post(
        f"/collective-sessions/{sid}/requalify", json={"modality": "video"}, headers=manager(keys)
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["modality"], moved.json()["site"], moved.json()["sequence"]) == (
        "video",
        None,
        1,
    )
    again = await appointment.http.post(
        f"/collective-sessions/{sid}/requalify", json={"modality": "video"}, headers=manager(keys)
    )
    assert again.status_code == 409
    assert (
        await appointment.db["notifications"].count_documents(
            {"session_id": uuid.UUID(sid), "template": "session_requalified"}
        )
        == 2
    )
    cancelled = await appointment.http.post(
        f"/collective-sessions/{sid}/cancel", headers=manager(keys)
    )
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert (
        await appointment.db["notifications"].count_documents(
            {"session_id": uuid.UUID(sid), "template": "session_cancelled"}
        )
        == 2
    )
    assert [s for _, s in await outbox_statuses(appointment, sid)][-2:] == [
        "cancelled",
        "cancelled",
    ]
    stored = await appointment.db["collective_sessions"].find_one({"_id": uuid.UUID(sid)})
    assert stored is not None
    assert (stored["status"], stored["sequence"], stored["modality"]) == ("cancelled", 2, "video")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": (datetime.now(UTC) + timedelta(days=6)).isoformat()}, "ends_at"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 501}, "capacity"),
        ({"modality": "carrier_pigeon"}, "modality"),
        ({"site": None}, "site"),
        ({"modality": "video"}, "site"),
        ({"site": "caen"}, "site"),
        (
            {"starts_at": "2020-01-01T10:00:00+01:00", "ends_at": "2020-01-01T12:00:00+01:00"},
            "starts_at",
        ),
        ({"starts_at": "2030-01-01T10:00:00"}, "starts_at"),
        ({"title": "\u200b\u202e"}, "title"),
        ({"region": "normandie"}, "region"),
    ],
)
async def test_bad_input_names_the_field_and_stores_nothing(
    appointment: Appointment, keys: Keys, overrides: dict[str, Any], field: str
) -> None:
    before = await appointment.db["collective_sessions"].count_documents({})
    answer = await appointment.http.post(
        "/collective-sessions", json=session_body(**overrides), headers=manager(keys)
    )
    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert any(error["field"] == field for error in errors), errors
    assert "carrier_pigeon" not in answer.text
    assert await appointment.db["collective_sessions"].count_documents({}) == before


async def test_bad_attendance_and_requalify_bodies_are_refused(
    appointment: Appointment, keys: Keys
) -> None:
    created = await create(appointment, keys)
    sid = created["session_id"]
    for path, body, field in (
        (
            f"/collective-sessions/{sid}/attendance",
            {"registration_id": "x", "attended": True},
            "registration_id",
        ),
        (
            f"/collective-sessions/{sid}/attendance",
            {"registration_id": str(uuid.uuid4()), "attended": "yes"},
            "attended",
        ),
        (f"/collective-sessions/{sid}/requalify", {"modality": "face_to_face"}, "modality"),
    ):
        answer = await appointment.http.post(path, json=body, headers=manager(keys))
        assert answer.status_code == 422, answer.text
        assert [e["field"] for e in answer.json()["errors"]] == [field]
    unknown = await appointment.http.post(
        f"/collective-sessions/{uuid.uuid4()}/registration",
        headers=(await beneficiary(appointment, keys))[1],
    )
    assert unknown.status_code == 404


async def test_erasure_in_the_consumers_transaction_gives_the_seat_on(
    appointment: Appointment, keys: Keys
) -> None:
    created = await create(appointment, keys, capacity=1)
    sid = created["session_id"]
    (erased, erased_headers), (waiting, waiting_headers) = [
        await beneficiary(appointment, keys) for _ in range(2)
    ]
    for headers in (erased_headers, waiting_headers):
        await appointment.http.post(f"/collective-sessions/{sid}/registration", headers=headers)
    event = BeneficiaryErased(correlation_id="erasure", producer="intake", beneficiary_id=erased)
    collective = appointment.app.state.collective
    client: Client = appointment.app.state.infra.client

    async def consume(session: Session) -> int:
        deleted: int = await collective.erase(event, session)
        return deleted

    assert await in_transaction(client, consume) == 1
    assert await in_transaction(client, consume) == 0
    assert (
        await appointment.db["session_registrations"].count_documents({"beneficiary_id": erased})
        == 0
    )
    stored = await appointment.db["collective_sessions"].find_one({"_id": uuid.UUID(sid)})
    assert stored is not None
    assert stored["registered"] == 1
    assert (await outbox_statuses(appointment, sid))[-1] == (str(waiting), "promoted")

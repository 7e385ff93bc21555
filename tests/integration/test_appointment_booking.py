"""Appointments on the embedded stack: plans, slots, booking races, moves, policy, access."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from appointment.adapters.mongo import (
    AppointmentCollections,
    MongoAppointmentQueries,
    MongoCaseDirectory,
    MongoUnitOfWork,
)
from appointment.application.advance_site_closure import advance_site_closure
from appointment.application.close_site import CloseSite, close_site
from appointment.entrypoints.main import AppointmentSettings
from appointment.entrypoints.main import build_app as build_appointment
from appointment.entrypoints.notifications import NotificationSettings
from jalon_dev.mailbox import DevMailbox
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo
from jalon_shared.access import Principal, Role
from jalon_shared.events.vocabulary import Modality
from jalon_shared.messaging.outbox import Outbox, OutboxRelay
from jalon_shared.mongo import Client, Database, create_client
from tests.integration.conftest import RunningService, run_service
from tests.support import Keys, eventually, intake_payload, running, service_settings

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
async def appointment(
    kafka: EmbeddedKafka, mongo: EmbeddedMongo, keys: Keys, mongo_client: Client
) -> AsyncIterator[RunningService]:
    """Run the appointment service for this module, under consumer groups of its own."""
    async with run_service(
        "appointment-booking", build_appointment, kafka, mongo, keys, mongo_client
    ) as service:
        yield service


def week_plan(**rules: int) -> dict[str, Any]:
    """Return a plan open every day: Rennes in the morning, remote in the afternoon."""
    windows = [
        w
        for day in range(7)
        for w in (
            {"weekday": day, "start": "08:00", "end": "12:00", "place": "rennes"},
            {"weekday": day, "start": "13:00", "end": "19:00", "place": "remote"},
        )
    ]
    return {
        "time_zone": "Europe/Paris",
        "windows": windows,
        "rules": {"notice_hours": 24, "horizon_days": 200, **rules},
        "exceptions": [],
    }


class World:
    """One counsellor and their beneficiary's case, seeded in the directory copy."""

    def __init__(self, service: RunningService, keys: Keys, region: str = "bretagne") -> None:
        self.http = service.http
        self.db: Database = service.db
        self.keys = keys
        self.region = region
        self.counsellor = f"c-{uuid.uuid4().hex[:8]}"
        self.case_id = uuid.uuid4()
        self.beneficiary_id = uuid.uuid4()

    async def seed(self) -> World:
        """Write the region, counsellor and case as the directory consumer would."""
        await self.db["directory_regions"].update_one(
            {"_id": self.region},
            {"$set": {"label": "Bretagne", "sites": [{"code": "rennes", "label": "Rennes"}]}},
            upsert=True,
        )
        await self.db["directory_counsellors"].update_one(
            {"_id": self.counsellor}, {"$set": {"region": self.region}}, upsert=True
        )
        await self.add_case(self.case_id, self.beneficiary_id)
        return self

    async def add_case(self, case_id: uuid.UUID, beneficiary_id: uuid.UUID) -> None:
        """Add a case of this counsellor to the directory copy."""
        await self.db["directory_cases"].insert_one(
            {
                "_id": case_id,
                "beneficiary_id": beneficiary_id,
                "counsellor_id": self.counsellor,
                "region": self.region,
                "site": "rennes",
                "status": "open",
                "opened_at": datetime.now(UTC) - timedelta(days=3),
            }
        )

    def as_counsellor(self) -> dict[str, str]:
        """Return the counsellor's headers."""
        return self.keys.headers(self.counsellor, Role.COUNSELLOR, region=self.region)

    def as_beneficiary(self, beneficiary_id: uuid.UUID | None = None) -> dict[str, str]:
        """Return the beneficiary's headers."""
        return self.keys.headers(str(beneficiary_id or self.beneficiary_id), Role.BENEFICIARY)

    async def publish_plan(self, **rules: int) -> None:
        """Publish the week plan."""
        answer = await self.http.put(
            "/me/availability", json=week_plan(**rules), headers=self.as_counsellor()
        )
        assert answer.status_code == 200, answer.text

    async def book(
        self, starts_at: datetime, modality: str = "video", **extra: Any
    ) -> httpx.Response:
        """Book for the beneficiary, as the beneficiary."""
        return await self.http.post(
            f"/cases/{self.case_id}/appointments",
            json={"modality": modality, "kind": "follow_up", "starts_at": starts_at.isoformat()},
            headers=extra.pop("headers", None) or self.as_beneficiary(),
        )


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """Return a Paris wall-clock time as an aware instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def days_ahead(n: int) -> date:
    """Return the Paris date n days from now."""
    return (datetime.now(PARIS) + timedelta(days=n)).date()


class _NoRelay(OutboxRelay):
    """A relay that is never started: the service's own relay publishes what is staged."""

    def __init__(self, outbox: Outbox) -> None:
        super().__init__(outbox.collection, publisher=None)  # type: ignore[arg-type]


def service_parts(
    service: RunningService,
) -> tuple[MongoUnitOfWork, MongoAppointmentQueries, MongoCaseDirectory]:
    """Return the service's storage adapters over its database, for driving a use case."""
    client = create_client(service.settings.mongo)
    collections = AppointmentCollections(client[service.settings.database_name()])
    outbox = Outbox(client[service.settings.database_name()])
    uow = MongoUnitOfWork(client, collections, outbox, _NoRelay(outbox), lambda: datetime.now(UTC))
    return uow, MongoAppointmentQueries(collections), MongoCaseDirectory(collections)


async def world(appointment: RunningService, keys: Keys) -> World:
    """Return a freshly seeded counsellor, case and plan."""
    w = await World(appointment, keys).seed()
    await w.publish_plan()
    return w


async def test_twenty_concurrent_bookings_of_one_slot_give_one_success_and_nineteen_409s(
    appointment: RunningService, keys: Keys
) -> None:
    w = await world(appointment, keys)
    others = [(uuid.uuid4(), uuid.uuid4()) for _ in range(19)]
    for case_id, beneficiary_id in others:
        await w.add_case(case_id, beneficiary_id)
    slot = local(days_ahead(5), 14, 0)

    async def book(case_id: uuid.UUID, beneficiary_id: uuid.UUID) -> httpx.Response:
        return await w.http.post(
            f"/cases/{case_id}/appointments",
            json={"modality": "video", "kind": "follow_up", "starts_at": slot.isoformat()},
            headers=w.as_beneficiary(beneficiary_id),
        )

    answers = await asyncio.gather(
        book(w.case_id, w.beneficiary_id), *(book(c, b) for c, b in others)
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * 19, codes
    refused = [a.json() for a in answers if a.status_code == 409]
    assert all(r["errors"][0]["type"] == "slot_taken" for r in refused)
    stored = await w.db["appointments"].count_documents({"counsellor_id": w.counsellor})
    assert stored == 1
    booked = next(a.json() for a in answers if a.status_code == 201)
    cells = await w.db["appointment_cells"].count_documents(
        {"appointment_id": uuid.UUID(booked["appointment_id"])}
    )
    # 45 minutes and a 15-minute buffer after: four quarter-hour cells.
    assert cells == 4


async def test_slots_keep_their_wall_clock_time_across_the_spring_change_with_exceptions(
    appointment: RunningService, keys: Keys
) -> None:
    w = await World(appointment, keys).seed()
    plan = week_plan(notice_hours=24, horizon_days=200, buffer_after_minutes=15)
    # Leave on the Monday after the change, and an extra Sunday evening opening.
    plan["exceptions"] = [
        {
            "kind": "unavailable",
            "starts_at": local(date(2027, 3, 29), 0).isoformat(),
            "ends_at": local(date(2027, 3, 30), 0).isoformat(),
            "place": "remote",
        },
        {
            "kind": "extra",
            "starts_at": local(date(2027, 3, 28), 19, 0).isoformat(),
            "ends_at": local(date(2027, 3, 28), 20, 0).isoformat(),
            "place": "remote",
        },
    ]
    assert (
        await w.http.put("/me/availability", json=plan, headers=w.as_counsellor())
    ).status_code == 200
    found = await w.http.get(
        f"/cases/{w.case_id}/slots",
        params={
            "modality": "face_to_face",
            "kind": "follow_up",
            "from": local(date(2027, 3, 27), 0).isoformat(),
            "to": local(date(2027, 3, 31), 0).isoformat(),
        },
        headers=w.as_beneficiary(),
    )
    assert found.status_code == 200, found.text
    starts = [datetime.fromisoformat(s["starts_at"]) for s in found.json()["slots"]]
    by_day: dict[date, list[str]] = {}
    for s in starts:
        by_day.setdefault(s.astimezone(PARIS).date(), []).append(
            s.astimezone(PARIS).strftime("%H:%M")
        )
    # Same wall-clock grid before (UTC+1) and after (UTC+2) the change; leave removes Monday.
    assert by_day[date(2027, 3, 27)][0] == "08:00"
    assert by_day[date(2027, 3, 28)][0] == "08:00"
    assert date(2027, 3, 29) not in by_day
    assert by_day[date(2027, 3, 30)][0] == "08:00"
    assert by_day[date(2027, 3, 27)][-1] == "11:15"
    saturday = next(s for s in starts if s.astimezone(PARIS).date() == date(2027, 3, 27))
    tuesday = next(s for s in starts if s.astimezone(PARIS).date() == date(2027, 3, 30))
    assert (saturday.astimezone(UTC).hour, tuesday.astimezone(UTC).hour) == (7, 6)
    remote = await w.http.get(
        f"/cases/{w.case_id}/slots",
        params={
            "modality": "video",
            "from": local(date(2027, 3, 28), 18).isoformat(),
            "to": local(date(2027, 3, 28), 21).isoformat(),
        },
        headers=w.as_beneficiary(),
    )
    evening = [
        datetime.fromisoformat(s["starts_at"]).astimezone(PARIS).strftime("%H:%M")
        for s in remote.json()["slots"]
    ]
    # The plan's remote window ends at 19:00; the extra opening adds 19:00-20:00.
    assert "19:00" in evening
    assert "19:15" in evening
    assert "19:30" not in evening
    # Notice and horizon: nothing within a day, nothing past 200 days.
    soon = await w.http.get(
        f"/cases/{w.case_id}/slots",
        params={"modality": "video", "days": 1},
        headers=w.as_beneficiary(),
    )
    assert soon.json()["slots"] == []


async def test_bad_input_is_refused_with_a_422_naming_the_field_and_nothing_is_stored(
    appointment: RunningService, keys: Keys
) -> None:
    w = await world(appointment, keys)
    tomorrow = days_ahead(3)
    cases: list[tuple[str, str, dict[str, Any], str]] = [
        ("PUT", "/me/availability", {**week_plan(), "time_zone": "Mars/Olympus"}, "time_zone"),
        (
            "PUT",
            "/me/availability",
            {
                **week_plan(),
                "windows": [{"weekday": 1, "start": "12:00", "end": "09:00", "place": "remote"}],
            },
            "end",
        ),
        (
            "PUT",
            "/me/availability",
            {
                **week_plan(),
                "exceptions": [
                    {
                        "kind": "unavailable",
                        "starts_at": local(tomorrow, 12).isoformat(),
                        "ends_at": local(tomorrow, 9).isoformat(),
                    }
                ],
            },
            "ends_at",
        ),
        (
            "POST",
            f"/cases/{w.case_id}/appointments",
            {"modality": "carrier_pigeon", "starts_at": local(tomorrow, 14).isoformat()},
            "modality",
        ),
        (
            "POST",
            f"/cases/{w.case_id}/appointments",
            {"modality": "video", "starts_at": "2020-01-06T10:00:00+01:00"},
            "starts_at",
        ),
        (
            "POST",
            f"/cases/{w.case_id}/appointments",
            {"modality": "video", "starts_at": local(tomorrow, 22).isoformat()},
            "starts_at",
        ),
        (
            "POST",
            f"/cases/{w.case_id}/appointments",
            {"modality": "face_to_face", "starts_at": local(tomorrow, 14).isoformat()},
            "starts_at",
        ),
    ]
    for method, path, body, field in cases:
        headers = w.as_counsellor() if path == "/me/availability" else w.as_beneficiary()
        answer = await w.http.request(method, path, json=body, headers=headers)
        assert answer.status_code == 422, (path, body, answer.text)
        fields = [e["field"] for e in answer.json()["errors"]]
        assert any(f == field or f.endswith(f".{field}") for f in fields), (fields, field)
        assert "Mars/Olympus" not in answer.text
        assert "carrier_pigeon" not in answer.text
    search = await w.http.get(
        f"/cases/{w.case_id}/slots",
        params={"modality": "video", "time_zone": "Mars/Olympus"},
        headers=w.as_beneficiary(),
    )
    assert search.status_code == 422
    assert search.json()["errors"][0]["field"] == "time_zone"
    backwards = await w.http.get(
        f"/cases/{w.case_id}/slots",
        params={
            "modality": "video",
            "from": local(tomorrow, 12).isoformat(),
            "to": local(tomorrow, 9).isoformat(),
        },
        headers=w.as_beneficiary(),
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "to"
    assert await w.db["appointments"].count_documents({"counsellor_id": w.counsellor}) == 0
    plan = await w.db["plans"].find_one({"_id": w.counsellor})
    assert plan is not None
    assert plan["time_zone"] == "Europe/Paris"


async def test_a_beneficiary_cannot_cancel_inside_the_window_but_moves_earlier_and_staff_can(
    appointment: RunningService, keys: Keys
) -> None:
    w = await world(appointment, keys)
    soon = local(days_ahead(2), 14, 0)
    # The counsellor books after a phone call; a beneficiary could not this close.
    booked = await w.book(soon + timedelta(hours=0), headers=w.as_counsellor())
    assert booked.status_code == 201, booked.text
    appointment_id = booked.json()["appointment_id"]
    far = local(days_ahead(9), 15, 0)
    moved = await w.http.post(
        f"/appointments/{appointment_id}/reschedule",
        json={"starts_at": far.isoformat()},
        headers=w.as_beneficiary(),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["sequence"] == 1
    cells = (
        await w.db["appointment_cells"]
        .find({"appointment_id": uuid.UUID(appointment_id)})
        .to_list()
    )
    assert len(cells) == 4
    assert all(far.astimezone(UTC).date().isoformat() in c["_id"] for c in cells)
    # Staff are not bound by the notice: the counsellor's search offers slots within the day.
    offered = await w.http.get(
        f"/cases/{w.case_id}/slots",
        params={"modality": "video", "days": 1},
        headers=w.as_counsellor(),
    )
    close = next(
        datetime.fromisoformat(s["starts_at"])
        for s in offered.json()["slots"]
        if datetime.fromisoformat(s["starts_at"]) > datetime.now(UTC) + timedelta(hours=1)
    )
    inside = await w.http.post(
        f"/appointments/{appointment_id}/reschedule",
        json={"starts_at": close.isoformat()},
        headers=w.as_counsellor(),
    )
    assert inside.status_code == 200, inside.text
    refused = await w.http.post(
        f"/appointments/{appointment_id}/cancel",
        json={"reason": "illness"},
        headers=w.as_beneficiary(),
    )
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["type"] == "inside_policy_window"
    assert "counsellor" in refused.json()["detail"]
    cancelled = await w.http.post(
        f"/appointments/{appointment_id}/cancel",
        json={"reason": "counsellor_unavailable"},
        headers=w.as_counsellor(),
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert (
        await w.db["appointment_cells"].count_documents(
            {"appointment_id": uuid.UUID(appointment_id)}
        )
        == 0
    )
    kinds = [
        r["event_type"] async for r in w.db["outbox"].find({"key": appointment_id}).sort("_id", 1)
    ]
    assert kinds == [
        "appointment.booked",
        "appointment.rescheduled",
        "appointment.rescheduled",
        "appointment.cancelled",
    ]


async def test_people_reach_only_their_own_appointments(
    appointment: RunningService, keys: Keys
) -> None:
    w = await world(appointment, keys)
    booked = await w.book(local(days_ahead(4), 15, 30))
    assert booked.status_code == 201, booked.text
    appointment_id = booked.json()["appointment_id"]
    stranger = keys.headers(str(uuid.uuid4()), Role.BENEFICIARY)
    other_counsellor = keys.headers("c-other", Role.COUNSELLOR, region="bretagne")
    other_manager = keys.headers("m-other", Role.MANAGER, region="normandie")
    own_manager = keys.headers("m-own", Role.MANAGER, region="bretagne")
    for headers in (stranger, other_counsellor, other_manager):
        seen = await w.http.get(f"/appointments/{appointment_id}", headers=headers)
        assert seen.status_code == 404
        moved = await w.http.post(
            f"/appointments/{appointment_id}/cancel", json={"reason": "other"}, headers=headers
        )
        assert moved.status_code == 404
        slots = await w.http.get(
            f"/cases/{w.case_id}/slots", params={"modality": "video"}, headers=headers
        )
        assert slots.status_code == 404
    assert (
        await w.http.get(f"/appointments/{appointment_id}", headers=own_manager)
    ).status_code == 200
    mine = await w.http.get("/me/appointments", headers=stranger)
    assert mine.json() == []
    listed = await w.http.get("/me/appointments", headers=w.as_beneficiary())
    assert [a["appointment_id"] for a in listed.json()] == [appointment_id]
    # A beneficiary cannot book on someone else's case, nor change anyone's plan.
    intruder = await w.book(local(days_ahead(4), 16, 30), headers=stranger)
    assert intruder.status_code == 404
    plan = await w.http.put("/me/availability", json=week_plan(), headers=stranger)
    assert plan.status_code == 403


async def test_a_requalification_waits_for_consent_and_the_event_carries_it(
    appointment: RunningService, keys: Keys
) -> None:
    w = await world(appointment, keys)
    booked = await w.book(local(days_ahead(6), 9, 0), modality="face_to_face")
    assert booked.status_code == 201, booked.text
    assert booked.json()["place"] == "rennes"
    appointment_id = booked.json()["appointment_id"]
    beneficiary_refused = await w.http.post(
        f"/appointments/{appointment_id}/requalify",
        json={"modality": "video"},
        headers=w.as_beneficiary(),
    )
    assert beneficiary_refused.status_code == 403
    proposed = await w.http.post(
        f"/appointments/{appointment_id}/requalify",
        json={"modality": "video"},
        headers=w.as_counsellor(),
    )
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["pending_change"]["to_modality"] == "video"
    assert proposed.json()["modality"] == "face_to_face"
    accepted = await w.http.post(
        f"/appointments/{appointment_id}/consent",
        json={"answer": "accepted", "modality": "phone"},
        headers=w.as_beneficiary(),
    )
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert (body["modality"], body["place"], body["sequence"]) == ("phone", "remote", 1)
    assert body["consents"][0]["answer"] == "accepted"
    record = await w.db["outbox"].find_one(
        {"key": appointment_id, "event_type": "appointment.modality_changed"}
    )
    assert record is not None
    assert '"previous_modality":"face_to_face"' in record["payload"]
    assert '"consent":"accepted"' in record["payload"]
    notices = {
        n["template"]
        async for n in w.db["notifications"].find({"appointment_id": uuid.UUID(appointment_id)})
    }
    assert {"booked", "consent_requested", "modality_changed"} <= notices
    again = await w.http.post(
        f"/appointments/{appointment_id}/consent",
        json={"answer": "refused_kept"},
        headers=w.as_beneficiary(),
    )
    assert again.status_code == 409


async def test_events_reach_kafka_and_intake_consumers_see_them(
    appointment: RunningService, keys: Keys
) -> None:
    w = await world(appointment, keys)
    booked = await w.book(local(days_ahead(7), 16, 0))
    assert booked.status_code == 201
    appointment_id = booked.json()["appointment_id"]

    async def sent() -> bool:
        record = await w.db["outbox"].find_one({"key": appointment_id})
        return record is not None and record["sent_at"] is not None

    await eventually(sent)


async def test_a_site_closure_over_thirty_appointments_survives_a_restart_without_loss_or_double(
    kafka: EmbeddedKafka,
    mongo: EmbeddedMongo,
    keys: Keys,
    mongo_client: Client,
    intake: RunningService,
    dev_mailbox: DevMailbox,
) -> None:
    # A real person in intake, so the dispatcher finds their e-mail through intake's route.
    beneficiary_id = uuid.uuid4()
    email = f"closure.{beneficiary_id.hex[:8]}@example.org"
    submitted = await intake.http.post(
        "/requests",
        json=intake_payload(email=email),
        headers=keys.headers(str(beneficiary_id), Role.BENEFICIARY),
    )
    assert submitted.status_code in (200, 201), submitted.text
    plain = service_settings(
        "appointment-closure", kafka=kafka.bootstrap, mongo_uri=mongo.uri, keys=keys
    )
    settings = AppointmentSettings(
        **plain.model_dump(),
        notifications=NotificationSettings(
            smtp_port=dev_mailbox.smtp_port, intake_url="http://test", poll_interval_ms=100
        ),
    )
    async with running(build_appointment(settings, http=intake.http)) as http:
        first = RunningService(http, settings, mongo_client[settings.database_name()])
        w = World(first, keys)
        w.beneficiary_id = beneficiary_id
        await w.seed()
        await w.publish_plan()
        booked: list[str] = []
        for offset in range(8):
            for hour in (8, 9, 10, 11):
                if len(booked) == 30:
                    break
                answer = await w.book(local(days_ahead(3 + offset), hour), modality="face_to_face")
                assert answer.status_code == 201, answer.text
                booked.append(answer.json()["appointment_id"])
        uow, queries, cases = service_parts(first)
        manager = Principal(sub="m-1", role=Role.MANAGER, region="bretagne")
        closure = await close_site(
            uow,
            queries,
            cases,
            manager,
            CloseSite(
                "rennes",
                datetime.now(UTC),
                datetime.now(UTC) + timedelta(days=30),
                Modality.VIDEO,
            ),
            now=datetime.now(UTC),
        )
        assert closure.total == 30
        # The first batch commits, then the process stops before the next one.
        partial = await advance_site_closure(uow, closure.closure_id, now=datetime.now(UTC))
        assert (partial.processed, partial.status.value) == (20, "running")
    # A new process on the same database resumes the closure at start.
    async with running(build_appointment(settings, http=intake.http)) as http:
        manager_headers = keys.headers("m-1", Role.MANAGER, region="bretagne")

        async def done() -> dict[str, Any] | None:
            answer = await http.get(f"/site-closures/{closure.closure_id}", headers=manager_headers)
            body: dict[str, Any] = answer.json()
            return body if body["status"] == "done" else None

        final = await eventually(done)
        assert (final["processed"], final["total"]) == (30, 30)
        foreign = await http.get(
            f"/site-closures/{closure.closure_id}",
            headers=keys.headers("m-2", Role.MANAGER, region="normandie"),
        )
        assert foreign.status_code == 404

        async def consent_mails() -> list[dict[str, Any]]:
            async with httpx.AsyncClient() as plain_http:
                answer = await plain_http.get(f"{dev_mailbox.url}/messages")
            mails = [m for m in answer.json() if email in m["recipients"]]
            asked = [m for m in mails if "accepter ou refuser ce changement" in m["body"]]
            return asked if len(asked) >= 30 else []

        asked = await eventually(consent_mails, timeout=60)
        assert len(asked) == 30
        assert len({m["message_id"] for m in asked}) == 30
        # New face-to-face bookings at the closed site are no longer offered.
        offered = await http.get(
            f"/cases/{w.case_id}/slots",
            params={"modality": "face_to_face", "days": 20},
            headers=w.as_beneficiary(),
        )
        assert offered.json()["slots"] == []
    db = mongo_client[settings.database_name()]
    pending = await db["appointments"].count_documents(
        {"pending_change.closure_id": closure.closure_id}
    )
    assert pending == 30
    requests = await db["notifications"].count_documents(
        {"template": "consent_requested", "appointment_id": {"$in": [uuid.UUID(b) for b in booked]}}
    )
    assert requests == 30

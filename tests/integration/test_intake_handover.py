"""Hand-overs, who reads what, alerts and late activity, on real Kafka and MongoDB."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer

from jalon_dev.stack import EmbeddedKafka
from jalon_shared.access import Role
from jalon_shared.events.appointment import AppointmentBooked, AppointmentCancelled
from jalon_shared.events.envelope import Event, utc_now
from jalon_shared.events.vocabulary import Modality
from tests.integration.conftest import RunningService
from tests.integration.test_intake_caseload import add_counsellor, new_region, owner_of, submit
from tests.support import Keys, eventually


async def open_counts(intake: RunningService, keys: Keys, region: str) -> dict[str, int]:
    manager = keys.headers("m-1", Role.MANAGER, region=region)
    response = await intake.http.get("/counsellors", headers=manager)
    assert response.status_code == 200, response.text
    return {c["counsellor_id"]: c["open_cases"] for c in response.json()}


async def caseload_ids(
    intake: RunningService, headers: dict[str, str], query: str = ""
) -> list[str]:
    response = await intake.http.get(f"/caseload{query}", headers=headers)
    assert response.status_code == 200, response.text
    return [item["case_id"] for item in response.json()]


async def test_the_owner_hands_over_within_the_region_and_both_counts_follow(
    intake: RunningService, keys: Keys
) -> None:
    region, other = await new_region(intake, keys), await new_region(intake, keys)
    a, b, z = f"a-{region}", f"b-{region}", f"z-{other}"
    await add_counsellor(intake, keys, region, a, "rennes", 5)
    case_id = (await submit(intake, keys, region=region))["case_id"]
    await add_counsellor(intake, keys, region, b, "brest", 5)
    await add_counsellor(intake, keys, other, z, "caen", 5)
    assert await open_counts(intake, keys, region) == {a: 1, b: 0}

    owner = keys.headers(a, Role.COUNSELLOR, region=region)
    abroad = await intake.http.post(
        f"/cases/{case_id}/reassign", json={"to_counsellor_id": z}, headers=owner
    )
    assert abroad.status_code == 409
    assert "another region" in abroad.json()["detail"]
    moved = await intake.http.post(
        f"/cases/{case_id}/reassign", json={"to_counsellor_id": b}, headers=owner
    )
    assert moved.status_code == 200, moved.text
    assert await open_counts(intake, keys, region) == {a: 0, b: 1}
    assert await open_counts(intake, keys, other) == {z: 0}
    new_owner = keys.headers(b, Role.COUNSELLOR, region=region)
    assert await caseload_ids(intake, owner) == []
    assert await caseload_ids(intake, new_owner) == [case_id]
    # The former owner no longer holds the case, so cannot take it back.
    back = await intake.http.post(
        f"/cases/{case_id}/reassign", json={"to_counsellor_id": a}, headers=owner
    )
    assert back.status_code == 403
    event = await intake.db["outbox"].find_one(
        {"event_type": "intake.case_reassigned", "key": case_id}
    )
    assert event is not None
    # A counsellor still holding cases cannot be moved to another region under them.
    manager = keys.headers("m-1", Role.MANAGER, region=other)
    hijack = await intake.http.put(
        f"/counsellors/{b}",
        json={"display_name": "B", "region": other, "site": "caen", "capacity": 5},
        headers=manager,
    )
    assert hijack.status_code == 403
    own_manager = keys.headers("m-1", Role.MANAGER, region=region)
    move_region = await intake.http.put(
        f"/counsellors/{b}",
        json={"display_name": "B", "region": region, "site": "rennes", "capacity": 8},
        headers=own_manager,
    )
    assert move_region.status_code == 200
    assert await open_counts(intake, keys, region) == {a: 0, b: 1}


async def test_a_case_is_read_only_by_its_person_its_counsellor_and_its_region_manager(
    intake: RunningService, keys: Keys
) -> None:
    region = await new_region(intake, keys)
    await add_counsellor(intake, keys, region, f"a-{region}", "rennes", 5)
    await add_counsellor(intake, keys, region, f"b-{region}", "rennes", 5)
    person = str(uuid.uuid4())
    response = await intake.http.post(
        "/requests",
        json={
            "first_name": "Lou",
            "last_name": "Morel",
            "email": f"lou.{uuid.uuid4().hex[:8]}@example.org",
            "employment_situation": "job_seeker",
            "csp": "ouvrier",
            "region": region,
            "site": "rennes",
            "consent": {"accepted": True, "text_version": "2026-01"},
        },
        headers=keys.headers(person, Role.BENEFICIARY),
    )
    assert response.status_code == 201, response.text
    case_id = response.json()["case_id"]
    owner = await owner_of(intake, keys, region, case_id)
    assert owner is not None
    stranger = f"b-{region}" if owner == f"a-{region}" else f"a-{region}"
    expected = {
        keys.headers(person, Role.BENEFICIARY)["Authorization"]: 200,
        keys.headers(owner, Role.COUNSELLOR, region=region)["Authorization"]: 200,
        keys.headers("m-1", Role.MANAGER, region=region)["Authorization"]: 200,
        keys.headers(str(uuid.uuid4()), Role.BENEFICIARY)["Authorization"]: 403,
        keys.headers(stranger, Role.COUNSELLOR, region=region)["Authorization"]: 403,
        keys.headers("m-9", Role.MANAGER, region="elsewhere")["Authorization"]: 403,
        keys.headers("ops", Role.SERVICE)["Authorization"]: 403,
    }
    for authorization, code in expected.items():
        got = await intake.http.get(f"/cases/{case_id}", headers={"Authorization": authorization})
        assert got.status_code == code, (got.status_code, got.text)
    mine = await intake.http.get(
        f"/cases/{case_id}", headers=keys.headers(person, Role.BENEFICIARY)
    )
    assert [h["action"] for h in mine.json()["history"]] == ["opened"]
    assert (await intake.http.get(f"/cases/{case_id}")).status_code == 401
    # The staff directory is for the region's own staff: its managers and its counsellors.
    elsewhere = keys.headers("m-9", Role.MANAGER, region="elsewhere")
    listed = (await intake.http.get("/counsellors", headers=elsewhere)).json()
    assert not [c for c in listed if c["region"] == region]
    counsellor = keys.headers(owner, Role.COUNSELLOR, region=region)
    colleagues = (await intake.http.get("/counsellors", headers=counsellor)).json()
    assert {c["counsellor_id"] for c in colleagues} == {f"a-{region}", f"b-{region}"}
    assert all(c["display_name"] and c["site_label"] == "Rennes" for c in colleagues)
    abroad = keys.headers("c-9", Role.COUNSELLOR, region="elsewhere")
    assert not [
        c
        for c in (await intake.http.get("/counsellors", headers=abroad)).json()
        if c["region"] == region
    ]
    beneficiary_list = await intake.http.get(
        "/counsellors", headers=keys.headers(person, Role.BENEFICIARY)
    )
    assert beneficiary_list.status_code == 403
    beneficiary = keys.headers(person, Role.BENEFICIARY)
    assert (await intake.http.get("/caseload", headers=beneficiary)).status_code == 403
    staff_export = await intake.http.get("/me/export", headers=counsellor)
    assert staff_export.status_code == 403


async def test_alerts_name_silent_and_never_contacted_cases(
    intake: RunningService, keys: Keys
) -> None:
    region = await new_region(intake, keys)
    cid = f"a-{region}"
    await add_counsellor(intake, keys, region, cid, "rennes", 10)
    waiting, silent, fresh = [(await submit(intake, keys, region=region))["case_id"] for _ in "abc"]
    now = utc_now()
    # Ten calendar days always hold more than five working days, whatever today is.
    ten_days_ago = now - timedelta(days=10)
    await intake.db["cases"].update_one(
        {"_id": uuid.UUID(waiting)},
        {"$set": {"opened_at": ten_days_ago, "last_activity_at": ten_days_ago}},
    )
    contacted = now - timedelta(days=35)
    await intake.db["cases"].update_one(
        {"_id": uuid.UUID(silent)},
        {
            "$set": {
                "opened_at": now - timedelta(days=60),
                "status": "in_progress",
                "last_contact_at": contacted,
                "last_activity_at": contacted,
            }
        },
    )
    me = keys.headers(cid, Role.COUNSELLOR, region=region)
    alerts = (await intake.http.get("/caseload/alerts", headers=me)).json()
    assert [item["case_id"] for item in alerts["not_contacted"]] == [waiting]
    assert [item["case_id"] for item in alerts["no_contact"]] == [silent]
    assert alerts["no_contact"][0]["alerts"] == ["no_contact"]
    assert await caseload_ids(intake, me, "?alert=not_contacted") == [waiting]
    assert await caseload_ids(intake, me, "?alert=no_contact&no_contact_days=40") == []
    assert set(await caseload_ids(intake, me, "?alert=no_contact&no_contact_days=5")) == {
        waiting,
        silent,
    }
    lines = {
        item["case_id"]: item for item in (await intake.http.get("/caseload", headers=me)).json()
    }
    # A fresh case never contacted is a first contact to make, not yet a late one.
    assert lines[fresh]["alerts"] == ["awaiting_first_contact"]
    assert [item["case_id"] for item in alerts["awaiting_first_contact"]] == [fresh]
    assert lines[silent]["status"] == "in_progress"
    by_contact = await caseload_ids(
        intake, me, "?sort=last_contact_at&order=desc&status=in_progress"
    )
    assert by_contact == [silent]
    assert (await intake.http.get("/caseload?sort=name", headers=me)).status_code == 422


async def publish_keyed(kafka: EmbeddedKafka, key: str, *events: Event) -> None:
    """Publish events under one key, so the consumer sees them in exactly this order."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(event.TOPIC, event.to_json_bytes(), key=key.encode())
    finally:
        await producer.stop()


async def test_a_booking_that_arrives_after_its_cancellation_stays_cancelled(
    intake: RunningService, keys: Keys, kafka: EmbeddedKafka
) -> None:
    region = await new_region(intake, keys)
    cid = f"a-{region}"
    await add_counsellor(intake, keys, region, cid, "rennes", 10)
    opened = await submit(intake, keys, region=region)
    case_id, beneficiary_id = uuid.UUID(opened["case_id"]), uuid.UUID(opened["beneficiary_id"])
    cancelled_slot, kept_slot = uuid.uuid4(), uuid.uuid4()
    # Whole seconds: MongoDB keeps milliseconds only.
    today = utc_now().replace(microsecond=0)
    soon, later = today + timedelta(days=1), today + timedelta(days=3)

    def booked(appointment_id: uuid.UUID, starts_at: datetime, at: datetime) -> AppointmentBooked:
        return AppointmentBooked(
            correlation_id="t",
            producer="appointment",
            occurred_at=at,
            appointment_id=appointment_id,
            case_id=case_id,
            beneficiary_id=beneficiary_id,
            counsellor_id=cid,
            starts_at=starts_at,
            modality=Modality.PHONE,
        )

    now = utc_now()
    cancellation = AppointmentCancelled(
        correlation_id="t",
        producer="appointment",
        occurred_at=now,
        appointment_id=cancelled_slot,
        case_id=case_id,
    )
    await publish_keyed(
        kafka,
        str(cancelled_slot),
        cancellation,
        booked(cancelled_slot, soon, now - timedelta(minutes=5)),
        booked(kept_slot, later, now),
        cancellation,  # a redelivery changes nothing
    )
    me = keys.headers(cid, Role.COUNSELLOR, region=region)

    async def next_appointment() -> Any:
        items = (await intake.http.get("/caseload", headers=me)).json()
        return items[0]["next_appointment_at"] if items else None

    shown = datetime.fromisoformat(await eventually(next_appointment))
    assert shown == later


async def test_a_manager_hands_out_cases_that_waited_for_capacity(
    intake: RunningService, keys: Keys
) -> None:
    region = await new_region(intake, keys)
    cid = f"a-{region}"
    await add_counsellor(intake, keys, region, cid, "rennes", 1)
    await submit(intake, keys, region=region)
    waiting = await submit(intake, keys, region=region, site="brest")
    assert not waiting["counsellor_assigned"]
    manager = keys.headers("m-1", Role.MANAGER, region=region)
    listed = (await intake.http.get("/cases/unassigned", headers=manager)).json()
    assert [item["case_id"] for item in listed] == [waiting["case_id"]]
    assert set(listed[0]) == {"case_id", "site", "service_level", "opened_at"}
    elsewhere = keys.headers("m-9", Role.MANAGER, region="elsewhere")
    assert (await intake.http.get("/cases/unassigned", headers=elsewhere)).json() == []
    counsellor = keys.headers(cid, Role.COUNSELLOR, region=region)
    assert (await intake.http.get("/cases/unassigned", headers=counsellor)).status_code == 403

    await add_counsellor(intake, keys, region, f"b-{region}", "brest", 3)
    handed = await intake.http.post(
        f"/cases/{waiting['case_id']}/reassign",
        json={"to_counsellor_id": f"b-{region}"},
        headers=manager,
    )
    assert handed.status_code == 200, handed.text
    assert handed.json()["history"][-1]["detail"] == "from unassigned"
    assert (await intake.http.get("/cases/unassigned", headers=manager)).json() == []
    assert await open_counts(intake, keys, region) == {cid: 1, f"b-{region}": 1}

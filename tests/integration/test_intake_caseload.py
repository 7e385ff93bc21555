"""Intake as the front door and the counsellor's caseload tool, on real Kafka and MongoDB."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

from aiokafka import AIOKafkaProducer

from intake.adapters.mongo import IntakeCollections, MongoPurger
from intake.application.purge_expired import purge_expired
from intake.domain.retention import CLOSED_CASE_RETENTION
from jalon_dev.stack import EmbeddedKafka
from jalon_shared.access import Role
from jalon_shared.events.appointment import AppointmentBooked
from jalon_shared.events.document import DocumentSubmittedForSignature
from jalon_shared.events.envelope import Event, utc_now
from jalon_shared.events.vocabulary import Modality
from tests.integration.conftest import RunningService
from tests.support import Keys, eventually, intake_payload, register_region, reported


async def new_region(intake: RunningService, keys: Keys) -> str:
    """Register a region of its own for a test, with the usual test sites."""
    region = f"r{uuid.uuid4().hex[:8]}"
    await register_region(intake.http, keys, region)
    return region


async def add_counsellor(
    intake: RunningService, keys: Keys, region: str, cid: str, site: str, capacity: int
) -> None:
    body = {
        "display_name": f"Conseiller {cid}",
        "region": region,
        "site": site,
        "capacity": capacity,
    }
    manager = keys.headers("m-1", Role.MANAGER, region=region)
    response = await intake.http.put(f"/counsellors/{cid}", json=body, headers=manager)
    assert response.status_code == 200, response.text


async def submit(intake: RunningService, keys: Keys, **fields: Any) -> dict[str, Any]:
    """Submit a request as a new beneficiary; the answer plus the beneficiary id the token named."""
    beneficiary_id = str(uuid.uuid4())
    response = await intake.http.post(
        "/requests",
        json=intake_payload(**fields),
        headers=keys.headers(beneficiary_id, Role.BENEFICIARY),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return {**body, "beneficiary_id": beneficiary_id}


async def owner_of(intake: RunningService, keys: Keys, region: str, case_id: str) -> str | None:
    """Return who holds a case, as a manager of its region reads it."""
    manager = keys.headers("m-1", Role.MANAGER, region=region)
    response = await intake.http.get(f"/cases/{case_id}", headers=manager)
    assert response.status_code == 200, response.text
    owner: str | None = response.json()["counsellor_id"]
    return owner


async def publish(kafka: EmbeddedKafka, *events: Event) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                event.TOPIC, event.to_json_bytes(), key=event.key().encode()
            )
    finally:
        await producer.stop()


async def test_ten_requests_across_two_sites_are_spread_by_capacity(
    intake: RunningService, keys: Keys
) -> None:
    region = await new_region(intake, keys)
    for cid, site, capacity in (("a", "rennes", 2), ("b", "rennes", 3), ("c", "brest", 5)):
        await add_counsellor(intake, keys, region, f"{cid}-{region}", site, capacity)
    given: Counter[str | None] = Counter()
    for i in range(10):
        site = "rennes" if i < 5 else "brest"
        opened = await submit(intake, keys, region=region, site=site)
        assert opened["outcome"] == "case_opened"
        assert opened["counsellor_assigned"]
        given[await owner_of(intake, keys, region, opened["case_id"])] += 1
    assert given == {f"a-{region}": 2, f"b-{region}": 3, f"c-{region}": 5}
    manager = keys.headers("m-1", Role.MANAGER, region=region)
    listed = (await intake.http.get("/counsellors", headers=manager)).json()
    assert {c["counsellor_id"]: c["open_cases"] for c in listed} == dict(given)
    # Everyone is full: the next case opens unassigned rather than overloading anyone.
    waiting = await submit(intake, keys, region=region, site="rennes")
    assert not waiting["counsellor_assigned"]
    assert await owner_of(intake, keys, region, waiting["case_id"]) is None


async def test_reassignment_keeps_history_and_shows_the_new_owner(
    intake: RunningService, keys: Keys
) -> None:
    region = await new_region(intake, keys)
    await add_counsellor(intake, keys, region, f"a-{region}", "rennes", 5)
    case_id = (await submit(intake, keys, region=region))["case_id"]
    await add_counsellor(intake, keys, region, f"b-{region}", "rennes", 5)
    manager = keys.headers("m-1", Role.MANAGER, region=region)
    moved = await intake.http.post(
        f"/cases/{case_id}/reassign", json={"to_counsellor_id": f"b-{region}"}, headers=manager
    )
    assert moved.status_code == 200, moved.text
    new_owner = keys.headers(f"b-{region}", Role.COUNSELLOR, region=region)
    case = (await intake.http.get(f"/cases/{case_id}", headers=new_owner)).json()
    assert case["counsellor_id"] == f"b-{region}"
    assert [h["action"] for h in case["history"]] == ["opened", "reassigned"]
    assert case["history"][1]["detail"] == f"from a-{region}"
    old_owner = keys.headers(f"a-{region}", Role.COUNSELLOR, region=region)
    assert (await intake.http.get(f"/cases/{case_id}", headers=old_owner)).status_code == 403
    caseload = (await intake.http.get("/caseload", headers=new_owner)).json()
    assert [item["case_id"] for item in caseload] == [case_id]
    elsewhere = keys.headers("m-9", Role.MANAGER, region="elsewhere")
    refused = await intake.http.post(
        f"/cases/{case_id}/reassign", json={"to_counsellor_id": f"a-{region}"}, headers=elsewhere
    )
    assert refused.status_code == 403
    unknown = await intake.http.post(
        f"/cases/{case_id}/reassign", json={"to_counsellor_id": "nobody"}, headers=manager
    )
    assert unknown.status_code == 404


async def test_counsellor_a_cannot_read_counsellor_b_case(
    intake: RunningService, keys: Keys
) -> None:
    region = await new_region(intake, keys)
    await add_counsellor(intake, keys, region, f"a-{region}", "rennes", 1)
    await add_counsellor(intake, keys, region, f"b-{region}", "rennes", 1)
    first = await submit(intake, keys, region=region)
    second = await submit(intake, keys, region=region)
    owners = {
        await owner_of(intake, keys, region, first["case_id"]): first["case_id"],
        await owner_of(intake, keys, region, second["case_id"]): second["case_id"],
    }
    a = keys.headers(f"a-{region}", Role.COUNSELLOR, region=region)
    assert (await intake.http.get(f"/cases/{owners[f'b-{region}']}", headers=a)).status_code == 403
    assert (await intake.http.get(f"/cases/{owners[f'a-{region}']}", headers=a)).status_code == 200
    closing = await intake.http.post(
        f"/cases/{owners[f'b-{region}']}/close", json={"reason": "other"}, headers=a
    )
    assert closing.status_code == 403
    assert (
        await intake.http.get("/caseload", headers=keys.headers("m", Role.MANAGER, region))
    ).status_code == 403


async def test_caseload_filters_sorts_and_tracks_other_services(
    intake: RunningService, keys: Keys, kafka: EmbeddedKafka
) -> None:
    region = await new_region(intake, keys)
    cid = f"a-{region}"
    await add_counsellor(intake, keys, region, cid, "rennes", 10)
    await add_counsellor(intake, keys, region, f"b-{region}", "brest", 10)
    submitted = [await submit(intake, keys, region=region) for _ in range(3)]
    cases = [item["case_id"] for item in submitted]
    person = {item["case_id"]: item["beneficiary_id"] for item in submitted}
    brest_case = (await submit(intake, keys, region=region, site="brest"))["case_id"]
    me = keys.headers(cid, Role.COUNSELLOR, region=region)
    mine = (await intake.http.get("/caseload?order=asc", headers=me)).json()
    assert [item["case_id"] for item in mine] == cases
    assert brest_case not in [item["case_id"] for item in mine]
    assert all(item["beneficiary_name"] == "Camille Martin" for item in mine)

    soon = utc_now() + timedelta(days=2)
    booked = AppointmentBooked(
        correlation_id="t",
        producer="appointment",
        appointment_id=uuid.uuid4(),
        case_id=uuid.UUID(cases[1]),
        beneficiary_id=uuid.UUID(person[cases[1]]),
        counsellor_id=cid,
        starts_at=soon,
        modality=Modality.VIDEO,
    )
    signing = DocumentSubmittedForSignature(
        correlation_id="t",
        producer="document_signature",
        document_id=uuid.uuid4(),
        case_id=uuid.UUID(cases[2]),
        beneficiary_id=uuid.UUID(person[cases[2]]),
    )
    await publish(kafka, booked, signing)

    async def tracked() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = (
            await intake.http.get("/caseload?sort=next_appointment_at", headers=me)
        ).json()
        by_id = {item["case_id"]: item for item in items}
        done = by_id[cases[1]]["next_appointment_at"] and by_id[cases[2]]["pending_signature"]
        return items if done else None

    items = await eventually(tracked)
    assert items[0]["case_id"] == cases[1]
    limited = (await intake.http.get("/caseload?limit=1&offset=1&order=asc", headers=me)).json()
    assert [item["case_id"] for item in limited] == [cases[1]]
    assert (await intake.http.get("/caseload?status=closed", headers=me)).json() == []
    assert (await intake.http.get("/caseload?limit=0", headers=me)).status_code == 422
    alerts = (await intake.http.get("/caseload/alerts?first_contact_days=1", headers=me)).json()
    # All opened just now: nothing late, and every case never contacted is listed as to do.
    assert (alerts["no_contact"], alerts["not_contacted"]) == ([], [])
    waiting = {item["case_id"] for item in alerts["awaiting_first_contact"]}
    never_contacted = {item["case_id"] for item in items if item["last_contact_at"] is None}
    assert waiting == never_contacted
    assert waiting


async def test_closing_a_case_reaches_reporting(
    intake: RunningService, reporting: RunningService, keys: Keys
) -> None:
    region = await new_region(intake, keys)
    cid = f"a-{region}"
    await add_counsellor(intake, keys, region, cid, "rennes", 10)
    case_id = (await submit(intake, keys, region=region))["case_id"]
    me = keys.headers(cid, Role.COUNSELLOR, region=region)
    level = await intake.http.post(
        f"/cases/{case_id}/service-level",
        json={"service_level": "accompagnement_personnalise"},
        headers=me,
    )
    assert level.status_code == 200
    closed = await intake.http.post(
        f"/cases/{case_id}/close", json={"reason": "path_completed"}, headers=me
    )
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    again = await intake.http.post(f"/cases/{case_id}/close", json={"reason": "other"}, headers=me)
    assert again.status_code == 409
    assert "already closed" in again.json()["detail"]

    async def closure_counted() -> bool:
        return await reported(reporting.db, region, "cases_closed") == 1

    await eventually(closure_counted)
    month = await reporting.db["g1_counters"].find_one({"region": region, "kind": "m"})
    assert month is not None
    closings = [
        (key, cell) for key, cell in month["cells"].items() if cell["n"].get("cases_closed")
    ]
    assert len(closings) == 1
    key, cell = closings[0]
    # Counted at the level the case had when it closed, with its path length.
    assert key.split("~")[1] == "accompagnement_personnalise"
    assert cell["h"]["path_days"] == {"0": 1}
    counsellor = await intake.db["counsellors"].find_one({"_id": cid})
    assert counsellor is not None
    assert counsellor["open_cases"] == 0
    # The retention clock runs for the case, its request and its now idle beneficiary.
    case = await intake.db["cases"].find_one({"_id": uuid.UUID(case_id)})
    assert case is not None
    assert case["purge_at"] == case["closed_at"] + CLOSED_CASE_RETENTION
    request = await intake.db["requests"].find_one({"case_id": uuid.UUID(case_id)})
    assert request is not None
    assert request["purge_at"] == case["purge_at"]
    beneficiary = await intake.db["beneficiaries"].find_one({"_id": case["beneficiary_id"]})
    assert beneficiary is not None
    assert beneficiary["purge_at"] == case["purge_at"]


async def test_export_then_erasure_leaves_no_personal_field(
    intake: RunningService, keys: Keys
) -> None:
    region = await new_region(intake, keys)
    await add_counsellor(intake, keys, region, f"a-{region}", "rennes", 10)
    beneficiary_id = str(uuid.uuid4())
    me = keys.headers(beneficiary_id, Role.BENEFICIARY)
    marker = uuid.uuid4().hex[:10]
    personal = {
        "first_name": f"Prenom{marker}",
        "last_name": f"Nom{marker}",
        "email": f"erase.{marker}@example.org",
        "phone": "+33 7 00 00 00 00",
        "need": f"besoin {marker}",
        "availability": f"dispo {marker}",
    }
    response = await intake.http.post(
        "/requests", json=intake_payload(region=region, **personal), headers=me
    )
    assert response.status_code == 201
    case_id = response.json()["case_id"]
    exported = (await intake.http.get("/me/export", headers=me)).json()
    assert exported["beneficiary"]["email"] == personal["email"]
    assert [r["need"] for r in exported["requests"]] == [personal["need"]]
    assert [c["case_id"] for c in exported["cases"]] == [case_id]

    erased = await intake.http.delete("/me", headers=me)
    assert erased.status_code == 200, erased.text
    assert erased.json()["cases_anonymised"] == 1
    # The stub of the case is re-keyed: even the old case id, which events pair with the
    # person's id, is gone from every collection but the outbox history.
    needles = [marker, "+33700000000", beneficiary_id, case_id]
    for name in await intake.db.list_collection_names():
        async for doc in intake.db[name].find({}):
            text = repr(doc)
            for needle in needles:
                if name == "outbox":  # events carry ids only; the erasure event names the ids
                    assert marker not in text
                    continue
                assert needle not in text, (name, needle)
    assert (await intake.http.get("/me/export", headers=me)).status_code == 404
    erasure_events = await intake.db["outbox"].count_documents(
        {"event_type": "intake.beneficiary_erased", "key": beneficiary_id}
    )
    assert erasure_events == 1
    counsellor = await intake.db["counsellors"].find_one({"_id": f"a-{region}"})
    assert counsellor is not None
    assert counsellor["open_cases"] == 0


async def test_a_manager_erases_only_beneficiaries_of_their_region(
    intake: RunningService, keys: Keys
) -> None:
    region = await new_region(intake, keys)
    await add_counsellor(intake, keys, region, f"a-{region}", "rennes", 10)
    beneficiary_id = (await submit(intake, keys, region=region))["beneficiary_id"]
    elsewhere = keys.headers("m-9", Role.MANAGER, region="elsewhere")
    url = f"/beneficiaries/{beneficiary_id}"
    assert (await intake.http.delete(url, headers=elsewhere)).status_code == 403
    assert await intake.db["beneficiaries"].count_documents({"_id": uuid.UUID(beneficiary_id)}) == 1
    manager = keys.headers("m-1", Role.MANAGER, region=region)
    assert (await intake.http.delete(url, headers=manager)).status_code == 200
    assert await intake.db["beneficiaries"].count_documents({"_id": uuid.UUID(beneficiary_id)}) == 0
    assert (await intake.http.delete(url, headers=manager)).status_code == 404


async def test_retention_purges_records_past_their_date(intake: RunningService) -> None:
    past, future = utc_now() - timedelta(days=1), utc_now() + timedelta(days=1)
    keep, drop = uuid.uuid4(), uuid.uuid4()
    await intake.db["cases"].insert_many(
        [{"_id": drop, "purge_at": past}, {"_id": keep, "purge_at": future}]
    )
    purged = await purge_expired(MongoPurger(IntakeCollections(intake.db)), utc_now)
    assert purged["cases"] >= 1
    assert await intake.db["cases"].count_documents({"_id": drop}) == 0
    assert await intake.db["cases"].count_documents({"_id": keep}) == 1
    await intake.db["cases"].delete_one({"_id": keep})
    indexes = await intake.db["cases"].index_information()
    assert indexes["retention"]["expireAfterSeconds"] == 0

"""The other services keep a copy of intake's directory and enforce case access with it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from appointment.entrypoints.main import build_app as build_appointment
from document_signature.entrypoints.main import build_app as build_document_signature
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo
from jalon_shared.access import Role
from jalon_shared.directory import Directory, erasure_digest
from jalon_shared.events.envelope import Event
from jalon_shared.events.intake import BeneficiaryErased, CaseOpened
from jalon_shared.events.vocabulary import Csp, ServiceLevel
from jalon_shared.messaging.consumer import PROCESSED_COLLECTION
from jalon_shared.mongo import Client
from remote_session.entrypoints.main import build_app as build_remote_session
from tests.integration.conftest import RunningService, run_service
from tests.support import Keys, eventually, intake_payload, register_region

BUILDERS = {
    "appointment": build_appointment,
    "remote_session": build_remote_session,
    "document_signature": build_document_signature,
}


@pytest.fixture(scope="module", params=list(BUILDERS))
async def service(
    request: pytest.FixtureRequest,
    kafka: EmbeddedKafka,
    mongo: EmbeddedMongo,
    keys: Keys,
    mongo_client: Client,
) -> AsyncIterator[RunningService]:
    """Run each of the three services in turn."""
    name: str = request.param
    async with run_service(name, BUILDERS[name], kafka, mongo, keys, mongo_client) as running:
        yield running


async def publish(kafka: EmbeddedKafka, event: Event) -> None:
    """Publish an event straight to its topic, keyed by its aggregate id, as intake would."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(event.TOPIC, event.to_json_bytes(), key=event.key().encode())
    finally:
        await producer.stop()


async def applied(service: RunningService, event: Event) -> None:
    """Wait until the service's directory consumer has processed the event."""
    marker = {
        "consumer": f"{service.settings.service_name}.directory",
        "event_id": str(event.event_id),
    }

    async def done() -> bool:
        return await service.db[PROCESSED_COLLECTION].count_documents(marker) == 1

    await eventually(done)


async def register(intake: RunningService, keys: Keys, region: str, *owners: str) -> None:
    """Register the region and counsellors of it through intake."""
    await register_region(intake.http, keys, region)
    manager = keys.headers("m-1", Role.MANAGER, region=region)
    for owner in owners:
        body = {"display_name": owner, "region": region, "site": "rennes", "capacity": 5}
        answer = await intake.http.put(f"/counsellors/{owner}", json=body, headers=manager)
        assert answer.is_success, answer.text


async def open_case(
    service: RunningService, intake: RunningService, keys: Keys, region: str, *owners: str
) -> tuple[str, dict[str, Any]]:
    """Submit a request through intake and wait until the service copied the case and staff."""
    beneficiary_id = str(uuid.uuid4())
    submitted = await intake.http.post(
        "/requests",
        json=intake_payload(region=region),
        headers=keys.headers(beneficiary_id, Role.BENEFICIARY),
    )
    assert submitted.is_success, submitted.text
    case_id = uuid.UUID(submitted.json()["case_id"])

    async def copied() -> dict[str, Any] | None:
        # Staff and case events travel on different topics: wait for both copies.
        staff = await service.db["directory_counsellors"].count_documents(
            {"_id": {"$in": list(owners)}}
        )
        case = await service.db["directory_cases"].find_one({"_id": case_id})
        return case if staff == len(owners) else None

    return beneficiary_id, await eventually(copied)


async def test_health_and_asyncapi(service: RunningService) -> None:
    ready = await service.http.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert (await service.http.get("/healthz")).status_code == 200
    doc = (await service.http.get("/asyncapi.json")).json()
    assert doc["asyncapi"].startswith("3.")
    assert doc["info"]["title"].startswith("Jalon ")
    assert f"{service.settings.service_name}.directory.receive.intake.case.v1" in doc["operations"]
    published = {
        "appointment": "appointment.booked",
        "document_signature": "document.signed",
    }.get(service.settings.service_name)
    if published is not None:
        assert published in str(doc["channels"])


async def test_case_access_follows_intake_and_honours_erasure(
    service: RunningService, intake: RunningService, kafka: EmbeddedKafka, keys: Keys
) -> None:
    region = f"d{uuid.uuid4().hex[:8]}"
    owner = f"c-{region}"
    await register(intake, keys, region, owner)
    beneficiary_id, case = await open_case(service, intake, keys, region, owner)
    url = f"/cases/{case['_id']}/access"
    manager = keys.headers("m-1", Role.MANAGER, region=region)

    as_owner = await service.http.get(url, headers=keys.headers(owner, Role.COUNSELLOR, region))
    assert as_owner.status_code == 200
    assert as_owner.json() == {
        "case_id": str(case["_id"]),
        "counsellor_id": owner,
        "region": region,
        "site": "rennes",
        "status": "open",
    }
    assert (
        await service.http.get(url, headers=keys.headers(beneficiary_id, Role.BENEFICIARY))
    ).status_code == 200
    assert (await service.http.get(url, headers=manager)).status_code == 200
    other = keys.headers("c-other", Role.COUNSELLOR, region)
    assert (await service.http.get(url, headers=other)).status_code == 403
    stranger = keys.headers(str(uuid.uuid4()), Role.BENEFICIARY)
    assert (await service.http.get(url, headers=stranger)).status_code == 403
    elsewhere = keys.headers("m-2", Role.MANAGER, region="elsewhere")
    assert (await service.http.get(url, headers=elsewhere)).status_code == 403
    assert (await service.http.get(url)).status_code == 401
    unknown = f"/cases/{uuid.uuid4()}/access"
    assert (await service.http.get(unknown, headers=manager)).status_code == 404

    erased = BeneficiaryErased(
        correlation_id="erasure", producer="test", beneficiary_id=uuid.UUID(beneficiary_id)
    )
    await publish(kafka, erased)
    await applied(service, erased)
    assert await service.db["directory_cases"].count_documents({"_id": case["_id"]}) == 0
    assert (await service.http.get(url, headers=manager)).status_code == 404
    marker = await service.db["directory_erasures"].find_one(
        {"_id": erasure_digest(uuid.UUID(beneficiary_id))}
    )
    assert marker is not None
    assert beneficiary_id not in str(marker)


async def test_hand_over_and_closing_reach_the_copy(
    service: RunningService, intake: RunningService, keys: Keys
) -> None:
    region = f"h{uuid.uuid4().hex[:8]}"
    first, second = f"c1-{region}", f"c2-{region}"
    await register(intake, keys, region, first, second)
    _, case = await open_case(service, intake, keys, region, first, second)
    previous = case["counsellor_id"]
    successor = second if previous == first else first
    manager = keys.headers("m-1", Role.MANAGER, region=region)
    case_id = case["_id"]

    handed = await intake.http.post(
        f"/cases/{case_id}/reassign", json={"to_counsellor_id": successor}, headers=manager
    )
    assert handed.is_success, handed.text
    closed = await intake.http.post(
        f"/cases/{case_id}/close", json={"reason": "path_completed"}, headers=manager
    )
    assert closed.is_success, closed.text

    async def closed_copy() -> bool:
        entry = await service.db["directory_cases"].find_one({"_id": case_id})
        return entry is not None and entry["status"] == "closed"

    await eventually(closed_copy)
    url = f"/cases/{case_id}/access"
    as_successor = await service.http.get(url, headers=keys.headers(successor, Role.COUNSELLOR))
    assert as_successor.status_code == 200
    assert as_successor.json()["counsellor_id"] == successor
    assert as_successor.json()["status"] == "closed"
    as_previous = await service.http.get(url, headers=keys.headers(previous, Role.COUNSELLOR))
    assert as_previous.status_code == 403


async def test_an_erasure_overtaking_the_opening_keeps_the_case_out(
    service: RunningService, kafka: EmbeddedKafka, keys: Keys
) -> None:
    # The beneficiary and case topics are consumed independently: erasure can arrive first.
    beneficiary_id = uuid.uuid4()
    erased = BeneficiaryErased(
        correlation_id="late", producer="test", beneficiary_id=beneficiary_id
    )
    await publish(kafka, erased)
    await applied(service, erased)
    opened = CaseOpened(
        correlation_id="late",
        producer="test",
        case_id=uuid.uuid4(),
        request_id=uuid.uuid4(),
        beneficiary_id=beneficiary_id,
        counsellor_id="c-late",
        region="bretagne",
        site="rennes",
        csp=Csp.CADRE,
        service_level=ServiceLevel.ACCUEIL_INDIVIDUALISE,
    )
    await publish(kafka, opened)
    await applied(service, opened)

    assert await service.db["directory_cases"].count_documents({"_id": opened.case_id}) == 0
    assert (
        await service.db["directory_erasures"].count_documents(
            {"_id": erasure_digest(beneficiary_id)}
        )
        == 1
    )
    url = f"/cases/{opened.case_id}/access"
    answer = await service.http.get(url, headers=keys.headers("ops", Role.SERVICE))
    assert answer.status_code == 404


async def test_reference_data_and_staff_names_reach_the_copy(
    service: RunningService, intake: RunningService, keys: Keys
) -> None:
    region = f"g{uuid.uuid4().hex[:8]}"
    owner = f"c-{region}"
    await register(intake, keys, region, owner)

    async def copied() -> bool:
        regions = await service.db["directory_regions"].count_documents({"_id": region})
        staff = await service.db["directory_counsellors"].find_one({"_id": owner})
        return regions == 1 and staff is not None and staff.get("display_name") == owner

    await eventually(copied)
    directory = Directory(service.db, erasure_memory=timedelta(days=30))
    copy = await directory.region(region)
    assert copy is not None
    assert [site.code for site in copy.sites] == ["rennes", "brest", "caen"]
    assert await directory.place_problem(region, "rennes") is None
    problems = {
        (region, "nowhere"): "unknown_site",
        ("atlantis", "rennes"): "unknown_region",
        (region, "vannes"): "site_outside_region",  # a site of bretagne
    }
    for (code, site), kind in problems.items():
        problem = await directory.place_problem(code, site)
        assert problem is not None
        assert problem.type == kind


async def test_an_erasure_naming_the_cases_removes_them_whoever_they_were_filed_under(
    service: RunningService, kafka: EmbeddedKafka
) -> None:
    case_id = uuid.uuid4()
    await service.db["directory_cases"].insert_one(
        {
            "_id": case_id,
            "beneficiary_id": uuid.uuid4(),
            "counsellor_id": "c-1",
            "region": "bretagne",
            "site": "rennes",
            "status": "open",
        }
    )
    erased = BeneficiaryErased(
        correlation_id="erasure",
        producer="test",
        beneficiary_id=uuid.uuid4(),
        case_ids=(case_id,),
    )
    await publish(kafka, erased)
    await applied(service, erased)
    assert await service.db["directory_cases"].count_documents({"_id": case_id}) == 0

"""The other services keep a copy of intake's directory and enforce case access with it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer

from appointment.entrypoints.main import build_app as build_appointment
from document_signature.entrypoints.main import build_app as build_document_signature
from jalon_shared.auth import Role
from jalon_shared.devstack import EmbeddedKafka, EmbeddedMongo
from jalon_shared.events.intake import BeneficiaryErased
from jalon_shared.mongo import Client
from remote_session.entrypoints.main import build_app as build_remote_session
from tests.integration.conftest import RunningService, run_service
from tests.support import Keys, eventually, intake_payload

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


async def test_health_and_asyncapi(service: RunningService) -> None:
    ready = await service.http.get("/readyz")
    assert ready.status_code == 200, ready.text
    doc = (await service.http.get("/asyncapi.json")).json()
    assert doc["asyncapi"].startswith("3.")
    assert f"{service.settings.service_name}.directory" in str(doc)


async def test_case_access_follows_intake_and_honours_erasure(
    service: RunningService, intake: RunningService, kafka: EmbeddedKafka, keys: Keys
) -> None:
    region = f"d{uuid.uuid4().hex[:8]}"
    owner = f"c-{region}"
    manager = keys.headers("m-1", Role.MANAGER, region=region)
    counsellor = {"counsellor_id": owner, "region": region, "site": "rennes", "capacity": 5}
    assert (
        await intake.http.put(f"/counsellors/{owner}", json=counsellor, headers=manager)
    ).is_success
    beneficiary_id = str(uuid.uuid4())
    submitted = await intake.http.post(
        "/requests",
        json=intake_payload(region=region),
        headers=keys.headers(beneficiary_id, Role.BENEFICIARY),
    )
    case_id = submitted.json()["case_id"]
    url = f"/cases/{case_id}/access"

    async def copied() -> bool:
        # Staff and case events travel on different topics: wait for both copies.
        cases = await service.db["directory_cases"].count_documents({"_id": uuid.UUID(case_id)})
        staff = await service.db["directory_counsellors"].count_documents({"_id": owner})
        return cases == 1 and staff == 1

    await eventually(copied)
    as_owner = await service.http.get(url, headers=keys.headers(owner, Role.COUNSELLOR, region))
    assert as_owner.status_code == 200
    assert as_owner.json()["counsellor_id"] == owner
    assert (
        await service.http.get(url, headers=keys.headers(beneficiary_id, Role.BENEFICIARY))
    ).status_code == 200
    assert (await service.http.get(url, headers=manager)).status_code == 200
    other = keys.headers("c-other", Role.COUNSELLOR, region)
    assert (await service.http.get(url, headers=other)).status_code == 403
    elsewhere = keys.headers("m-2", Role.MANAGER, region="elsewhere")
    assert (await service.http.get(url, headers=elsewhere)).status_code == 403
    assert (await service.http.get(url)).status_code == 401
    unknown = f"/cases/{uuid.uuid4()}/access"
    assert (await service.http.get(unknown, headers=manager)).status_code == 404

    erased = BeneficiaryErased(
        correlation_id="erasure", producer="test", beneficiary_id=uuid.UUID(beneficiary_id)
    )
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(
            erased.TOPIC, erased.to_json_bytes(), key=erased.key().encode()
        )
    finally:
        await producer.stop()

    async def forgotten() -> bool:
        return await service.db["directory_cases"].count_documents({"_id": uuid.UUID(case_id)}) == 0

    await eventually(forgotten)
    assert (await service.http.get(url, headers=manager)).status_code == 404

"""The first slice over HTTP, real Kafka and real MongoDB: intake request to regional count."""

from __future__ import annotations

import uuid

import httpx

from jalon_shared.access import Role
from tests.integration.conftest import RunningService
from tests.support import Keys, eventually, intake_payload, register_region, reported


async def test_requests_flow_from_intake_to_the_regional_count(
    intake: RunningService, reporting: RunningService, keys: Keys
) -> None:
    region = f"r{uuid.uuid4().hex[:8]}"
    await register_region(intake.http, keys, region)
    manager = keys.headers("manager-1", Role.MANAGER, region=region)
    counsellor = {
        "display_name": "Camille Bernard",
        "region": region,
        "site": "rennes",
        "capacity": 20,
    }
    put = await intake.http.put(f"/counsellors/c-{region}", json=counsellor, headers=manager)
    assert put.status_code == 200, put.text

    for _ in range(6):
        beneficiary = keys.headers(str(uuid.uuid4()), Role.BENEFICIARY)
        response = await intake.http.post(
            "/requests", json=intake_payload(region=region), headers=beneficiary
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["outcome"] == "case_opened"
        assert body["counsellor_assigned"]
        assert body["case_id"] is not None

    async def six_requests_and_cases() -> httpx.Response | None:
        got = await reporting.http.get(f"/regions/{region}/dashboard", headers=manager)
        figures = {i["code"]: i["current"]["value"] for i in got.json()["indicators"]}
        done = figures["requests"] == 6 and figures["cases_opened"] == 6
        return got if done else None

    got = await eventually(six_requests_and_cases)
    tables = {b["code"]: b for b in got.json()["breakdowns"]}
    by_site = {r["code"]: r["cells"][0] for r in tables["by_site"]["rows"]}
    assert by_site == {"rennes": {"value": 6, "suppressed": False}}
    by_csp = {r["code"]: r["cells"][0] for r in tables["by_csp"]["rows"]}
    assert by_csp == {"employe": {"value": 6, "suppressed": False}}
    assert got.headers["x-correlation-id"]

    # Every outbox record was published and marked sent after the broker's ack.
    assert await intake.db["outbox"].count_documents({"sent_at": None}) == 0


async def test_a_manager_reads_only_their_region(reporting: RunningService, keys: Keys) -> None:
    headers = keys.headers("manager-2", Role.MANAGER, region="bretagne")
    response = await reporting.http.get("/regions/normandie/dashboard", headers=headers)
    assert response.status_code == 403
    assert response.json()["detail"] == "outside your region"


async def test_small_cells_are_suppressed(
    intake: RunningService, reporting: RunningService, keys: Keys
) -> None:
    region = f"r{uuid.uuid4().hex[:8]}"
    await register_region(intake.http, keys, region)
    response = await intake.http.post(
        "/requests",
        json=intake_payload(region=region),
        headers=keys.headers(str(uuid.uuid4()), Role.BENEFICIARY),
    )
    assert response.status_code == 201
    manager = keys.headers("manager-3", Role.MANAGER, region=region)

    async def seen() -> bool:
        return await reported(reporting.db, region, "requests") == 1

    await eventually(seen)
    board = (await reporting.http.get(f"/regions/{region}/dashboard", headers=manager)).json()
    figures = {i["code"]: i["current"] for i in board["indicators"]}
    assert figures["requests"] == {"value": None, "suppressed": True}


async def test_routes_refuse_anonymous_callers(
    intake: RunningService, reporting: RunningService
) -> None:
    assert (await intake.http.post("/requests", json=intake_payload())).status_code == 401
    assert (await reporting.http.get("/regions/bretagne/dashboard")).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert (await reporting.http.get("/regions/bretagne/dashboard", headers=bad)).status_code == 401


async def test_command_counts_are_for_operators_and_count_a_request(
    intake: RunningService, keys: Keys
) -> None:
    route = "/admin/mongo-commands"
    assert (await intake.http.get(route)).status_code == 401
    forged = {"Authorization": "Bearer not-a-token"}
    assert (await intake.http.get(route, headers=forged)).status_code == 401
    for role, region in (
        (Role.MANAGER, "bretagne"),
        (Role.COUNSELLOR, "bretagne"),
        (Role.BENEFICIARY, None),
    ):
        staff = keys.headers("someone", role, region=region)
        assert (await intake.http.get(route, headers=staff)).status_code == 403
    operator = keys.headers("ops", Role.SERVICE)
    before = (await intake.http.get(route, headers=operator)).json()
    beneficiary = keys.headers(str(uuid.uuid4()), Role.BENEFICIARY)
    response = await intake.http.post("/requests", json=intake_payload(), headers=beneficiary)
    assert response.status_code == 201
    after = (await intake.http.get(route, headers=operator)).json()
    assert after["total"] == sum(after["by_command"].values())
    assert after["total"] > before["total"]
    assert after["by_command"]["insert cases"] > before["by_command"].get("insert cases", 0)


async def test_health_and_asyncapi(intake: RunningService, reporting: RunningService) -> None:
    for service in (intake, reporting):
        assert (await service.http.get("/healthz")).status_code == 200
        ready = await service.http.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"mongo": True, "kafka": True}
        doc = (await service.http.get("/asyncapi.json")).json()
        assert doc["asyncapi"].startswith("3.")
    intake_doc = (await intake.http.get("/asyncapi.json")).text
    assert "intake.case.v1" in intake_doc
    assert "CaseOpened" in intake_doc

"""Reporting rebuilds its read model from intake's re-published outbox history."""

from __future__ import annotations

import uuid

from jalon_shared.access import Role
from tests.integration.conftest import RunningService
from tests.support import Keys, eventually, intake_payload, register_region


async def test_reporting_rebuilds_from_the_outbox_history(
    intake: RunningService, reporting: RunningService, keys: Keys
) -> None:
    region = f"rb{uuid.uuid4().hex[:6]}"
    await register_region(intake.http, keys, region)
    for _ in range(5):
        beneficiary = keys.headers(str(uuid.uuid4()), Role.BENEFICIARY)
        response = await intake.http.post(
            "/requests", json=intake_payload(region=region), headers=beneficiary
        )
        assert response.status_code == 201
    facts = reporting.db["request_facts"]

    async def five() -> bool:
        return await facts.count_documents({"region": region}) == 5

    await eventually(five)
    operator = keys.headers("ops", Role.SERVICE)
    assert (await reporting.http.post("/admin/read-model/reset")).status_code == 401
    manager = keys.headers("m", Role.MANAGER, region=region)
    assert (
        await reporting.http.post("/admin/read-model/reset", headers=manager)
    ).status_code == 403
    reset = await reporting.http.post("/admin/read-model/reset", headers=operator)
    assert reset.status_code == 200
    assert reset.json()["removed"] >= 10
    assert await facts.count_documents({"region": region}) == 0

    republish = await intake.http.post("/admin/outbox/republish", json={}, headers=operator)
    assert republish.status_code == 200
    assert republish.json()["queued"] >= 10
    cases = reporting.db["case_facts"]

    async def rebuilt() -> bool:
        return await five() and await cases.count_documents({"region": region}) == 5

    await eventually(rebuilt, timeout=60)

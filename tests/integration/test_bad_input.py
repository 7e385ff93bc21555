"""Bad input gets a 4xx with a reason, and nothing is stored."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from jalon_shared.access import Role
from tests.integration.conftest import RunningService
from tests.support import Keys, intake_payload


async def stored_counts(intake: RunningService) -> dict[str, int]:
    db = intake.db
    return {
        name: await db[name].count_documents({})
        for name in ("beneficiaries", "requests", "cases", "outbox")
    }


def without(field: str) -> dict[str, Any]:
    body = intake_payload()
    del body[field]
    return body


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (without("csp"), "csp", "Field required"),
        (without("consent"), "consent", "Field required"),
        (intake_payload(region=42), "region", "string"),
        (intake_payload(csp="astronaut"), "csp", "Input should be"),
        (intake_payload(email="not-an-email"), "email", "email"),
        (intake_payload(first_name="A" * 1_000_000), "first_name", "at most 100 characters"),
        (
            intake_payload(consent={"accepted": False, "text_version": "2026-01"}),
            "consent",
            "consent must be given",
        ),
        (intake_payload(unexpected="x"), "unexpected", "Extra inputs"),
    ],
)
async def test_bad_requests_are_refused_with_a_reason_and_store_nothing(
    intake: RunningService, keys: Keys, body: dict[str, Any], field: str, reason: str
) -> None:
    before = await stored_counts(intake)
    response = await intake.http.post(
        "/requests", json=body, headers=keys.headers(str(uuid.uuid4()), Role.BENEFICIARY)
    )
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert any(field in error["loc"] and reason in error["msg"] for error in errors), errors
    assert await stored_counts(intake) == before


async def test_an_oversized_body_is_refused_before_parsing(
    intake: RunningService, keys: Keys
) -> None:
    response = await intake.http.post(
        "/requests",
        content=b"{" + b" " * (3 * 1024 * 1024) + b"}",
        headers={
            **keys.headers(str(uuid.uuid4()), Role.BENEFICIARY),
            "content-type": "application/json",
        },
    )
    assert response.status_code == 413
    assert "request body over" in response.json()["detail"]


async def test_staff_cannot_submit_outside_their_region(intake: RunningService, keys: Keys) -> None:
    headers = keys.headers("c-9", Role.COUNSELLOR, region="normandie")
    response = await intake.http.post("/requests", json=intake_payload(), headers=headers)
    assert response.status_code == 403

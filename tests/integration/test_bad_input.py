"""Bad input gets a 4xx naming the field, never echoing the value, and nothing is stored."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from jalon_shared.access import Role
from tests.integration.conftest import RunningService
from tests.support import Keys, intake_payload

ZERO_WIDTH_AND_BIDI = "\u200b\u200d\u2066\u202e\ufeff"


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
    ("body", "field", "kind", "reason"),
    [
        (without("csp"), "csp", "missing", "Field required"),
        (without("consent"), "consent", "missing", "Field required"),
        (intake_payload(region=42), "region", "string_type", "string"),
        (intake_payload(csp="astronaut"), "csp", "enum", "Input should be"),
        (intake_payload(email="not-an-email"), "email", "value_error", "email"),
        (intake_payload(first_name="A" * 1_000_000), "first_name", "string_too_long", "100"),
        (
            intake_payload(consent={"accepted": False, "text_version": "2026-01"}),
            "consent.accepted",
            "value_error",
            "consent must be given",
        ),
        (
            intake_payload(consent={"accepted": 1, "text_version": "2026-01"}),
            "consent.accepted",
            "bool_type",
            "boolean",
        ),
        (intake_payload(topics=["vae", "astrology"]), "topics.1", "enum", "Input should be"),
        (intake_payload(unexpected="x"), "unexpected", "extra_forbidden", "Extra inputs"),
        (
            intake_payload(last_name=ZERO_WIDTH_AND_BIDI),
            "last_name",
            "invisible_only",
            "invisible",
        ),
        (intake_payload(region="atlantis"), "region", "unknown_region", "Unknown region"),
        (intake_payload(site="nowhere"), "site", "unknown_site", "site"),
        (intake_payload(site="caen"), "site", "site_outside_region", "another region"),
    ],
)
async def test_bad_requests_are_refused_naming_the_field_and_store_nothing(
    intake: RunningService, keys: Keys, body: dict[str, Any], field: str, kind: str, reason: str
) -> None:
    before = await stored_counts(intake)
    response = await intake.http.post(
        "/requests", json=body, headers=keys.headers(str(uuid.uuid4()), Role.BENEFICIARY)
    )
    assert response.status_code == 422, response.text
    answer = response.json()
    assert set(answer) == {"detail", "errors"}
    assert any(
        error["field"] == field and error["type"] == kind and reason in error["message"]
        for error in answer["errors"]
    ), answer
    assert all(set(error) == {"location", "field", "type", "message"} for error in answer["errors"])
    assert await stored_counts(intake) == before


async def test_a_megabyte_field_gives_a_short_error_that_echoes_nothing(
    intake: RunningService, keys: Keys
) -> None:
    marker = "Zq" * 300_000  # three fields of 600 kB: under the 2 MB body limit
    body = intake_payload(first_name=marker, need=marker, email=f"{marker}@example.org")
    response = await intake.http.post(
        "/requests", json=body, headers=keys.headers(str(uuid.uuid4()), Role.BENEFICIARY)
    )
    assert response.status_code == 422
    assert len(response.content) < 2048
    assert "ZqZq" not in response.text
    assert {error["field"] for error in response.json()["errors"]} == {
        "first_name",
        "need",
        "email",
    }


async def test_validation_messages_never_quote_the_submitted_value(
    intake: RunningService, keys: Keys
) -> None:
    secret = "s3cr3t-value"
    bodies = [
        intake_payload(email=f"{secret}@@example.org"),
        intake_payload(consent={"accepted": True, "text_version": secret}),
        intake_payload(preferred_channel=secret),
        intake_payload(phone=secret),
    ]
    for body in bodies:
        response = await intake.http.post(
            "/requests", json=body, headers=keys.headers(str(uuid.uuid4()), Role.BENEFICIARY)
        )
        assert response.status_code == 422, response.text
        assert secret not in response.text
    manager = keys.headers("m-1", Role.MANAGER, region="bretagne")
    bad_path = await intake.http.get(f"/cases/{secret}-not-a-uuid", headers=manager)
    assert bad_path.status_code == 422
    assert bad_path.json()["errors"][0]["location"] == "path"
    assert secret not in bad_path.text


async def test_names_lose_their_invisible_characters(intake: RunningService, keys: Keys) -> None:
    beneficiary_id = str(uuid.uuid4())
    me = keys.headers(beneficiary_id, Role.BENEFICIARY)
    response = await intake.http.post(
        "/requests",
        json=intake_payload(first_name="\u202eLé\u200ba\u2069", last_name="Pe\u200dtit"),
        headers=me,
    )
    assert response.status_code == 201, response.text
    case = (await intake.http.get(f"/cases/{response.json()['case_id']}", headers=me)).json()
    assert (case["beneficiary"]["first_name"], case["beneficiary"]["last_name"]) == (
        "Léa",
        "Petit",
    )


async def test_a_body_that_is_not_json_is_refused_with_415(
    intake: RunningService, keys: Keys
) -> None:
    before = await stored_counts(intake)
    headers = keys.headers(str(uuid.uuid4()), Role.BENEFICIARY)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        response = await intake.http.post(
            "/requests",
            content=b"first_name=Camille",
            headers={**headers, "content-type": content_type},
        )
        assert response.status_code == 415, (content_type, response.text)
        assert response.json() == {"detail": "the body must be application/json"}
    assert await stored_counts(intake) == before


async def test_malformed_json_names_the_body(intake: RunningService, keys: Keys) -> None:
    response = await intake.http.post(
        "/requests",
        content=b'{"first_name": ',
        headers={
            **keys.headers(str(uuid.uuid4()), Role.BENEFICIARY),
            "content-type": "application/json",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "location": "body",
            "field": "",
            "type": "json_invalid",
            "message": "The body is not valid JSON",
        }
    ]


async def test_an_anonymous_caller_is_refused_before_the_body_is_read(
    intake: RunningService,
) -> None:
    huge = b"{" + b" " * (3 * 1024 * 1024) + b"}"
    for content, content_type in ((huge, "application/json"), (b"not json", "text/plain")):
        response = await intake.http.post(
            "/requests", content=content, headers={"content-type": content_type}
        )
        assert response.status_code == 401
        assert response.json() == {"detail": "missing bearer token"}
        assert response.headers["www-authenticate"] == "Bearer"
    forged = {"Authorization": "Bearer not-a-token", "content-type": "application/json"}
    response = await intake.http.post("/requests", content=b"{", headers=forged)
    assert response.status_code == 401
    assert response.json() == {"detail": "invalid or expired token"}


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
    assert response.json() == {"detail": "outside your region"}


async def test_counsellor_profiles_take_strict_types_and_the_id_from_the_path(
    intake: RunningService, keys: Keys
) -> None:
    manager = keys.headers("m-1", Role.MANAGER, region="bretagne")
    operator = keys.headers("ops", Role.SERVICE)
    profile = {"display_name": "Nina Roux", "region": "bretagne", "site": "rennes", "capacity": 5}
    cases = [
        ({**profile, "active": 0}, "active", "bool_type", manager),
        ({**profile, "capacity": "5"}, "capacity", "int_type", manager),
        ({**profile, "capacity": 5.0}, "capacity", "int_type", manager),
        ({**profile, "counsellor_id": "c-other"}, "counsellor_id", "extra_forbidden", manager),
        ({**profile, "display_name": "\u200b\u2060"}, "display_name", "invisible_only", manager),
        ({**profile, "site": "le-havre"}, "site", "site_outside_region", manager),
        ({**profile, "region": "atlantis"}, "region", "unknown_region", operator),
    ]
    for body, field, kind, caller in cases:
        response = await intake.http.put("/counsellors/c-nina", json=body, headers=caller)
        assert response.status_code == 422, (body, response.text)
        assert [(e["field"], e["type"]) for e in response.json()["errors"]] == [(field, kind)]
    assert await intake.db["counsellors"].count_documents({"_id": "c-nina"}) == 0
    created = await intake.http.put("/counsellors/c-nina", json=profile, headers=manager)
    assert created.status_code == 200, created.text
    assert created.json()["counsellor_id"] == "c-nina"
    assert created.json()["site_label"] == "Rennes"
    assert (
        await intake.http.put("/counsellors/Bad Id", json=profile, headers=manager)
    ).status_code == 422


async def test_the_openapi_document_declares_error_bodies(intake: RunningService) -> None:
    document = (await intake.http.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["ErrorBody"]["properties"]) == {"detail", "errors"}
    post = document["paths"]["/requests"]["post"]["responses"]
    for code in ("401", "403", "409", "413", "415", "422", "503"):
        assert post[code]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"
        }, code
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for code, declared in operation.get("responses", {}).items():
                if code.startswith(("4", "5")):
                    schema = declared["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, method)

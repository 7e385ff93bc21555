"""Every service's error bodies: the contract's shape, the field named, the value never echoed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel, ConfigDict, EmailStr, Field
from pymongo.errors import OperationFailure

from jalon_shared.http import (
    ApiError,
    ErrorItem,
    error_responses,
    install_common,
    install_error_schema,
    safe_message,
)


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")

    city: str = Field(max_length=20)


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=10)
    email: EmailStr
    tags: list[int] = []
    address: Address | None = None


def build() -> FastAPI:
    app = FastAPI()
    install_common(app)
    install_error_schema(app)

    @app.post("/people/{person_id}", responses=error_responses(404, 409, 422))
    async def post_person(
        person_id: uuid.UUID, person: Person, limit: Annotated[int, Query(ge=1)] = 1
    ) -> dict[str, str]:
        return {"name": person.name}

    @app.get("/refusals/{kind}")
    async def refusal(kind: str) -> dict[str, str]:
        if kind == "gone":
            raise HTTPException(404, detail="unknown person")
        if kind == "taken":
            raise ApiError(
                409,
                "this email belongs to another person",
                [ErrorItem(location="body", field="email", type="contact_in_use", message="Taken")],
            )
        if kind == "storage":
            raise OperationFailure("boom")
        raise RuntimeError("secret internals")

    return app


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_validation_errors_name_each_field_by_its_path_and_location(
    http: httpx.AsyncClient,
) -> None:
    body = {
        "name": "x" * 11,
        "email": "nope",
        "tags": [1, "two"],
        "address": {"city": "Rennes", "zip": "35000"},
    }
    response = await http.post("/people/not-a-uuid?limit=0", json=body)
    assert response.status_code == 422
    answer = response.json()
    assert answer["detail"] == "The request is invalid; see errors."
    found = {(e["location"], e["field"], e["type"]) for e in answer["errors"]}
    assert found == {
        ("path", "person_id", "uuid_parsing"),
        ("query", "limit", "greater_than_equal"),
        ("body", "name", "string_too_long"),
        ("body", "email", "value_error"),
        ("body", "tags.1", "int_parsing"),
        ("body", "address.zip", "extra_forbidden"),
    }
    for error in answer["errors"]:
        assert set(error) == {"location", "field", "type", "message"}
    for echoed in ("not-a-uuid", "nope", "two", "35000", "xxxxxxxxxxx"):
        assert echoed not in response.text


async def test_a_flood_of_invalid_fields_is_listed_short(http: httpx.AsyncClient) -> None:
    body = {"name": "a", "email": "a@example.org", "tags": ["x"] * 5000, "y" * 100_000: 1}
    response = await http.post(f"/people/{uuid.uuid4()}", json=body)
    assert response.status_code == 422
    answer = response.json()
    assert len(answer["errors"]) == 20
    assert answer["detail"].startswith("The request has 5001 invalid fields")
    assert len(response.content) < 4096


async def test_refusals_carry_a_detail_and_errors_only_where_fields_are_at_fault(
    http: httpx.AsyncClient,
) -> None:
    assert (await http.get("/refusals/gone")).json() == {"detail": "unknown person"}
    taken = await http.get("/refusals/taken")
    assert taken.status_code == 409
    assert taken.json() == {
        "detail": "this email belongs to another person",
        "errors": [
            {"location": "body", "field": "email", "type": "contact_in_use", "message": "Taken"}
        ],
    }
    storage = await http.get("/refusals/storage")
    assert (storage.status_code, storage.json()) == (503, {"detail": "storage unavailable"})
    crash = await http.get("/refusals/crash")
    assert (crash.status_code, crash.json()) == (500, {"detail": "internal error"})
    missing = await http.get("/nowhere")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})


def test_messages_that_would_quote_the_input_are_replaced() -> None:
    assert safe_message({"type": "uuid_parsing", "msg": "found `z` at 1", "input": "z"}) == (
        "Input should be a valid UUID"
    )
    email = {
        "type": "value_error",
        "msg": "value is not a valid email address: The part after the @-sign contains 'é<'.",
        "input": "a@é<",
    }
    assert safe_message(email) == "value is not a valid email address"
    quoting = {"type": "custom", "msg": "bad value 'hunter2' here", "input": "hunter2"}
    assert safe_message(quoting) == "Invalid value"
    assert safe_message({"type": "value_error", "msg": "Value error, consent must be given"}) == (
        "consent must be given"
    )


async def test_the_openapi_document_describes_errors_with_the_error_body(
    http: httpx.AsyncClient,
) -> None:
    document = (await http.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    assert set(schemas["ErrorBody"]["properties"]) == {"detail", "errors"}
    assert set(schemas["ErrorItem"]["properties"]) == {"location", "field", "type", "message"}
    responses = document["paths"]["/people/{person_id}"]["post"]["responses"]
    assert set(responses) == {"200", "404", "409", "422"}
    for code in ("404", "409", "422"):
        assert responses[code]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"
        }
    # A route that declares nothing still gets the ErrorBody for its validation errors.
    refusal = document["paths"]["/refusals/{kind}"]["get"]["responses"]["422"]
    assert refusal["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }

"""The services' APIs over HTTP: typed answers, and refusals read from the shared error body."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
import pytest

from jalon_shared.events.vocabulary import CaseStatus, CloseReason
from tests.unit.web_fakes import case_details
from web.adapters.services import HttpIntakeApi, HttpReportingApi, ServiceClient, field_errors
from web.application.errors import ApiError, FieldError
from web.application.views import CaseloadFilters


def api(
    answers: dict[tuple[str, str], tuple[int, Any]],
) -> tuple[HttpIntakeApi, list[httpx.Request]]:
    calls: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        code, body = answers.get((request.method, request.url.path), (404, {"detail": "Not Found"}))
        return httpx.Response(code, json=body)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    return HttpIntakeApi(ServiceClient(http, "http://intake.test", "intake")), calls


def test_field_errors_are_read_from_the_shared_body_and_from_fastapis() -> None:
    shared = {
        "detail": "invalid request",
        "errors": [
            {
                "location": "body",
                "field": "consent.accepted",
                "type": "value_error",
                "message": "x",
            },
            {"location": "body", "field": "email", "type": "contact_in_use", "message": "y"},
        ],
    }
    assert field_errors(shared) == (
        FieldError("consent.accepted", "value_error"),
        FieldError("email", "contact_in_use"),
    )
    fastapi = {"detail": [{"loc": ["body", "topics", 0], "msg": "bad", "type": "enum"}]}
    assert field_errors(fastapi) == (FieldError("topics.0", "enum"),)
    assert field_errors({"detail": "nope"}) == ()
    assert field_errors(None) == ()


async def test_a_refusal_carries_status_reason_and_fields() -> None:
    intake, _ = api(
        {
            ("POST", "/requests"): (
                409,
                {
                    "detail": "contact in use",
                    "errors": [{"field": "email", "type": "contact_in_use"}],
                },
            )
        }
    )
    with pytest.raises(ApiError) as refused:
        await intake.submit_request("t", {"email": "x@example.org"})
    assert refused.value.status == 409
    assert refused.value.errors == (FieldError("email", "contact_in_use"),)


async def test_answers_are_typed_and_a_malformed_one_is_a_502() -> None:
    case = case_details()
    intake, calls = api(
        {
            ("GET", f"/cases/{case.case_id}"): (200, case.model_dump(mode="json")),
            ("POST", f"/cases/{case.case_id}/close"): (200, {"case_id": "not-a-case"}),
            ("GET", "/caseload"): (200, {"items": []}),
            ("GET", "/me/export"): (404, {"detail": "no data held"}),
            ("GET", "/reference/regions"): (
                200,
                [{"code": "bretagne", "label": "Bretagne", "sites": [], "later_field": 1}],
            ),
        }
    )
    assert await intake.case("token", case.case_id) == case
    assert calls[-1].headers["authorization"] == "Bearer token"
    with pytest.raises(ApiError) as bad:
        await intake.close("token", case.case_id, CloseReason.OTHER)
    assert bad.value.status == 502
    assert calls[-1].read() == b'{"reason":"other"}'
    assert (
        await intake.caseload("t", CaseloadFilters(status=CaseStatus.OPENED), limit=26, offset=0)
        == []
    )
    assert dict(calls[-1].url.params) == {
        "status": "opened",
        "sort": "opened_at",
        "order": "desc",
        "limit": "26",
        "offset": "0",
    }
    assert await intake.own_data("t") is None
    regions = await intake.regions("t")
    assert regions[0].label == "Bretagne"


async def test_duplicate_reviews_and_handover_call_the_contracts_routes() -> None:
    case = case_details()
    request_id = uuid4()
    body = case.model_dump(mode="json")
    base = f"/cases/{case.case_id}"
    intake, calls = api(
        {
            ("POST", f"{base}/duplicates/{request_id}/confirm"): (200, body),
            ("POST", f"{base}/duplicates/{request_id}/reject"): (200, body),
            ("POST", f"{base}/reassign"): (200, body),
        }
    )
    await intake.confirm_duplicate("t", case.case_id, request_id)
    await intake.reject_duplicate("t", case.case_id, request_id)
    await intake.reassign("t", case.case_id, "c-louise-martin")
    assert calls[-1].read() == b'{"to_counsellor_id":"c-louise-martin"}'


async def test_an_unreachable_service_is_a_503() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(refuse))
    reporting = HttpReportingApi(ServiceClient(http, "http://reporting.test", "reporting"))
    with pytest.raises(ApiError) as down:
        await reporting.reports("t", "bretagne")
    assert down.value.status == 503

"""The appointment service's API over HTTP, as the web front calls it: paths, bodies, refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest

from jalon_shared.events.vocabulary import AbsentParty, AppointmentKind, ConsentAnswer, Modality
from tests.unit.web_appointment_fakes import appointment, closure
from web.adapters.appointments import HttpAppointmentApi
from web.adapters.services import ServiceClient
from web.application.appointment_views import AppointmentStatus, CancelReason, NoShowReason
from web.application.errors import ApiError, FieldError


def api(
    answers: dict[tuple[str, str], tuple[int, Any]],
) -> tuple[HttpAppointmentApi, list[httpx.Request]]:
    calls: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        code, body = answers.get((request.method, request.url.path), (404, {"detail": "Not Found"}))
        return httpx.Response(code, json=body)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    client = ServiceClient(http, "http://appointment.test", "appointment")
    return HttpAppointmentApi(client), calls


async def test_slots_are_asked_with_an_aware_start_and_the_pages_zone() -> None:
    case_id = uuid4()
    found = {
        "counsellor_id": "c-camille-bernard",
        "plan_time_zone": "Europe/Paris",
        "slots": [
            {
                "starts_at": "2026-12-03T13:30:00Z",
                "ends_at": "2026-12-03T14:15:00Z",
                "place": "rennes",
            }
        ],
    }
    appointments, calls = api({("GET", f"/cases/{case_id}/slots"): (200, found)})
    start = datetime(2026, 12, 1, tzinfo=UTC)
    slots = await appointments.slots(
        "t",
        case_id,
        modality=Modality.VIDEO,
        kind=AppointmentKind.FIRST_MEETING,
        start=start,
        days=14,
        time_zone="Europe/Paris",
    )
    assert slots.slots[0].place == "rennes"
    params = dict(calls[0].url.params)
    assert params == {
        "modality": "video",
        "kind": "first_meeting",
        "from": "2026-12-01T00:00:00+00:00",
        "days": "14",
        "time_zone": "Europe/Paris",
    }
    assert calls[0].headers["authorization"] == "Bearer t"


async def test_writes_send_the_contracts_bodies() -> None:
    booked = appointment()
    a_id, case_id = booked.appointment_id, booked.case_id
    body = booked.model_dump(mode="json")
    appointments, calls = api(
        {
            ("POST", f"/cases/{case_id}/appointments"): (201, body),
            ("POST", f"/appointments/{a_id}/reschedule"): (200, body),
            ("POST", f"/appointments/{a_id}/cancel"): (200, body),
            ("POST", f"/appointments/{a_id}/outcome"): (200, body),
            ("POST", f"/appointments/{a_id}/requalify"): (200, body),
            ("POST", f"/appointments/{a_id}/consent"): (200, body),
            ("PUT", f"/cases/{case_id}/waitlist"): (
                200,
                {"case_id": str(case_id), "waiting": True},
            ),
            ("DELETE", f"/cases/{case_id}/waitlist"): (
                200,
                {"case_id": str(case_id), "waiting": False},
            ),
            ("POST", "/site-closures"): (202, closure().model_dump(mode="json")),
            ("GET", "/me/availability"): (200, None),
        }
    )
    at = datetime(2026, 12, 3, 13, 30, tzinfo=UTC)
    await appointments.book(
        "t",
        case_id,
        modality=Modality.FACE_TO_FACE,
        kind=AppointmentKind.FOLLOW_UP,
        starts_at=at,
        place="rennes",
    )
    await appointments.reschedule("t", a_id, at)
    await appointments.cancel("t", a_id, CancelReason.ILLNESS)
    await appointments.settle(
        "t",
        a_id,
        status=AppointmentStatus.NO_SHOW,
        absent=AbsentParty.BENEFICIARY,
        reason=NoShowReason.FORGOT,
    )
    await appointments.requalify("t", a_id, Modality.PHONE)
    await appointments.consent("t", a_id, ConsentAnswer.ACCEPTED, Modality.VIDEO)
    assert (await appointments.set_waitlist("t", case_id, waiting=True)).waiting
    assert not (await appointments.set_waitlist("t", case_id, waiting=False)).waiting
    await appointments.close_site(
        "t", site="rennes", starts_at=at, ends_at=at.replace(day=4), to_modality=Modality.VIDEO
    )
    assert await appointments.plan("t") is None
    bodies = [json.loads(c.content) if c.content else None for c in calls]
    assert bodies[:6] == [
        {
            "modality": "face_to_face",
            "kind": "follow_up",
            "starts_at": "2026-12-03T13:30:00+00:00",
            "place": "rennes",
        },
        {"starts_at": "2026-12-03T13:30:00+00:00"},
        {"reason": "illness"},
        {"status": "no_show", "absent": "beneficiary", "reason": "forgot"},
        {"modality": "phone"},
        {"answer": "accepted", "modality": "video"},
    ]
    assert bodies[8] == {
        "site": "rennes",
        "starts_at": "2026-12-03T13:30:00+00:00",
        "ends_at": "2026-12-04T13:30:00+00:00",
        "to_modality": "video",
    }


async def test_a_refusal_carries_its_reason_and_a_malformed_answer_is_a_502() -> None:
    case_id = uuid4()
    appointments, _ = api(
        {
            ("POST", f"/cases/{case_id}/appointments"): (
                409,
                {
                    "detail": "this slot was just booked by someone else",
                    "errors": [
                        {
                            "location": "body",
                            "field": "appointment",
                            "type": "slot_taken",
                            "message": "x",
                        }
                    ],
                },
            ),
            ("GET", "/me/appointments"): (200, [{"appointment_id": "nope"}]),
        }
    )
    with pytest.raises(ApiError) as refused:
        await appointments.book(
            "t",
            case_id,
            modality=Modality.VIDEO,
            kind=AppointmentKind.FOLLOW_UP,
            starts_at=datetime(2026, 12, 3, 13, 30, tzinfo=UTC),
        )
    assert refused.value.status == 409
    assert refused.value.errors == (FieldError("appointment", "slot_taken"),)
    with pytest.raises(ApiError) as malformed:
        await appointments.my_appointments("t")
    assert malformed.value.status == 502


async def test_naive_times_are_never_sent() -> None:
    appointments, calls = api({})
    with pytest.raises(ValueError, match="naive"):
        await appointments.reschedule("t", uuid4(), datetime(2026, 12, 3, 13, 30))
    assert calls == []

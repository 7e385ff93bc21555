"""The collective-session pages over fakes: lists, registration, planning, attendance, actions."""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from jalon_shared.events.vocabulary import Modality
from tests.unit.web_fakes import NOW, Front, build_front, case_details, sign_in, sign_in_beneficiary
from web.adapters.collective import HttpCollectiveApi
from web.adapters.services import ServiceClient
from web.application.collective_views import (
    CollectiveSession,
    Enrolment,
    RegistrationStatus,
    SessionStatus,
)
from web.application.errors import ApiError, FieldError
from web.entrypoints import labels


def plain(page: str) -> str:
    """Return the page as read: entities decoded, without the Unicode isolates around names."""
    return html.unescape(page).replace("\u2068", "").replace("\u2069", "")


def session_view(**overrides: Any) -> CollectiveSession:
    """Return a session as the appointment service shows it: 3 December 2026, 14:00 Paris."""
    data: dict[str, Any] = {
        "session_id": str(uuid4()),
        "title": "Découvrir le projet de transition professionnelle",
        "partner": "Transitions Pro Bretagne",
        "region": "bretagne",
        "site": "rennes",
        "modality": "face_to_face",
        "starts_at": "2026-12-03T13:00:00Z",
        "ends_at": "2026-12-03T15:00:00Z",
        "capacity": 12,
        "status": "scheduled",
        "sequence": 0,
        "registered": 10,
        "waitlisted": 0,
        "seats_left": 2,
        "my_registration": None,
        "registrations": None,
    }
    data.update(overrides)
    return CollectiveSession.model_validate(data)


def enrolment(status: str, session_id: UUID, rank: int | None = None) -> Enrolment:
    return Enrolment(
        registration_id=uuid4(),
        session_id=session_id,
        status=RegistrationStatus(status),
        waitlist_rank=rank,
    )


@dataclass
class FakeCollective:
    """CollectiveApi with canned answers; `fail` makes one method raise; calls are recorded."""

    listed: list[CollectiveSession] = field(default_factory=list)
    shown: dict[UUID, CollectiveSession] = field(default_factory=dict)
    answer_status: str = "registered"
    fail: dict[str, ApiError] = field(default_factory=dict)
    calls: list[tuple[str, str, tuple[Any, ...]]] = field(default_factory=list)

    def _call(self, name: str, token: str, *args: Any) -> None:
        self.calls.append((name, token, args))
        if name in self.fail:
            raise self.fail[name]

    def called(self, name: str) -> list[tuple[Any, ...]]:
        return [args for called, _, args in self.calls if called == name]

    def _one(self, session_id: UUID) -> CollectiveSession:
        if session_id not in self.shown:
            raise ApiError(404, "collective session not found")
        return self.shown[session_id]

    async def sessions(self, token: str) -> list[CollectiveSession]:
        self._call("sessions", token)
        return self.listed

    async def session(self, token: str, session_id: UUID) -> CollectiveSession:
        self._call("session", token, session_id)
        return self._one(session_id)

    async def create(self, token: str, body: Mapping[str, Any]) -> CollectiveSession:
        self._call("create", token, dict(body))
        return session_view()

    async def register(self, token: str, session_id: UUID) -> Enrolment:
        self._call("register", token, session_id)
        return enrolment(self.answer_status, session_id, 2 if self.answer_status else None)

    async def unregister(self, token: str, session_id: UUID) -> Enrolment:
        self._call("unregister", token, session_id)
        return enrolment("cancelled", session_id)

    async def mark_attendance(
        self, token: str, session_id: UUID, registration_id: UUID, *, attended: bool
    ) -> Enrolment:
        self._call("mark_attendance", token, session_id, registration_id, attended)
        return enrolment("attended" if attended else "absent", session_id)

    async def requalify(
        self, token: str, session_id: UUID, modality: Modality
    ) -> CollectiveSession:
        self._call("requalify", token, session_id, modality)
        return self._one(session_id)

    async def cancel(self, token: str, session_id: UUID) -> CollectiveSession:
        self._call("cancel", token, session_id)
        return self._one(session_id)


def with_collective(front: Front, api: FakeCollective | None) -> Front:
    """Return the front with the collective API (or without it) in its dependencies."""
    deps = dataclasses.replace(front.deps, collective=api)
    front.app.state.web = deps
    front.deps = deps
    return front


@pytest.fixture
def api() -> FakeCollective:
    return FakeCollective()


@pytest.fixture
def front(api: FakeCollective) -> Front:
    return with_collective(build_front(), api)


def conflict(reason: str) -> ApiError:
    return ApiError(409, "refused", (FieldError("session", reason),))


# The beneficiary ------------------------------------------------------------------------------


async def test_the_beneficiary_sees_sessions_in_french_with_paris_times_and_their_status(
    front: Front, api: FakeCollective
) -> None:
    account = await sign_in_beneficiary(front, "lea.petit@example.org")
    waiting = session_view(
        seats_left=0,
        registered=12,
        waitlisted=3,
        my_registration={
            "registration_id": str(uuid4()),
            "status": "waitlisted",
            "registered_at": "2026-11-20T10:00:00Z",
            "waitlist_rank": 2,
        },
    )
    remote = session_view(title="Financer sa reconversion", modality="video", site=None)
    api.listed = [waiting, remote]
    page = await front.client.get("/beneficiary/collective-sessions")
    assert page.status_code == 200
    text = plain(page.text)
    assert "<h1>Réunions d'information</h1>" in text
    assert "jeudi 3 décembre 2026, de 14 h 00 à 16 h 00" in text
    assert "En face-à-face · Rennes" in text
    assert "En visio" in text
    assert "Transitions Pro Bretagne" in text
    assert "Sur liste d'attente (position 2)" in text
    assert "Quitter la liste d'attente" in text
    assert "2 places restantes sur 12" in text
    assert f'action="/beneficiary/collective-sessions/{remote.session_id}/register"' in text
    assert f'aria-describedby="title-{remote.session_id}"' in text
    assert api.calls[0][1] == front.client.cookies["jalon_session"]
    assert str(account.beneficiary_id) not in text


async def test_registering_goes_to_a_seat_or_the_waitlist_with_its_confirmation(
    front: Front, api: FakeCollective
) -> None:
    await sign_in_beneficiary(front, "lea.petit@example.org")
    sid = uuid4()
    answer = await front.post(f"/beneficiary/collective-sessions/{sid}/register")
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        "/beneficiary/collective-sessions?done=session_registered",
    )
    api.answer_status = "waitlisted"
    answer = await front.post(f"/beneficiary/collective-sessions/{sid}/register")
    assert answer.headers["location"].endswith("done=session_waitlisted")
    shown = await front.client.get(answer.headers["location"])
    assert "liste d'attente" in plain(shown.text)
    assert "Vous serez prévenu si une place se libère." in plain(shown.text)
    assert api.called("register") == [(sid,), (sid,)]


async def test_a_refused_registration_says_why_in_french(front: Front, api: FakeCollective) -> None:
    await sign_in_beneficiary(front, "lea.petit@example.org")
    api.fail["register"] = conflict("already_registered")
    answer = await front.post(f"/beneficiary/collective-sessions/{uuid4()}/register")
    assert answer.status_code == 409
    assert "Inscription non enregistrée. Vous êtes déjà inscrit à cette réunion." in plain(
        answer.text
    )
    api.fail["register"] = conflict("session_started")
    answer = await front.post(f"/beneficiary/collective-sessions/{uuid4()}/register")
    assert "les inscriptions sont closes" in plain(answer.text)
    api.fail["register"] = ApiError(404, "collective session not found")
    answer = await front.post(f"/beneficiary/collective-sessions/{uuid4()}/register")
    assert answer.status_code == 404


async def test_cancelling_a_registration(front: Front, api: FakeCollective) -> None:
    await sign_in_beneficiary(front, "lea.petit@example.org")
    sid = uuid4()
    answer = await front.post(f"/beneficiary/collective-sessions/{sid}/cancel")
    assert answer.headers["location"].endswith("done=session_registration_cancelled")
    assert api.called("unregister") == [(sid,)]
    assert (
        "Votre inscription est annulée."
        in (await front.client.get(answer.headers["location"])).text
    )


async def test_without_the_service_the_pages_say_so(api: FakeCollective) -> None:
    front = with_collective(build_front(), None)
    await sign_in_beneficiary(front, "lea.petit@example.org")
    page = await front.client.get("/beneficiary/collective-sessions")
    assert page.status_code == 200
    assert "momentanément indisponibles" in plain(page.text)
    answer = await front.post(f"/beneficiary/collective-sessions/{uuid4()}/register")
    assert answer.status_code == 503
    api.fail["sessions"] = ApiError(502, "bad answer")
    down = with_collective(build_front(), api)
    await sign_in_beneficiary(down, "lea.petit@example.org")
    assert (
        "momentanément indisponibles"
        in (await down.client.get("/beneficiary/collective-sessions")).text
    )


async def test_the_home_pages_link_the_sessions(front: Front) -> None:
    await sign_in_beneficiary(front, "lea.petit@example.org")
    assert (
        'href="/beneficiary/collective-sessions"' in (await front.client.get("/beneficiary")).text
    )


# The manager ----------------------------------------------------------------------------------


async def test_the_manager_lists_the_region_with_counts_and_the_planning_form(
    front: Front, api: FakeCollective
) -> None:
    await sign_in(front, "manager", "m-anne-durand")
    listed = session_view(registered=12, seats_left=0, waitlisted=4)
    api.listed = [listed]
    page = await front.client.get("/manager/collective-sessions")
    text = plain(page.text)
    assert "<h1>Réunions d'information de la région</h1>" in text
    assert f'href="/manager/collective-sessions/{listed.session_id}"' in text
    assert ">12/12<" in text
    assert ">4<" in text
    for name in ("title", "partner", "site", "date", "start_time", "end_time", "capacity"):
        assert f'<label for="{name}">' in text, name
    assert '<option value="rennes">Rennes</option>' in text
    assert "lorient" not in text
    assert 'name="modality" value="face_to_face" checked' in text


async def test_planning_sends_paris_times_and_goes_to_the_new_session(
    front: Front, api: FakeCollective
) -> None:
    await sign_in(front, "manager", "m-anne-durand")
    form = {
        "title": "  Découvrir le PTP  ",
        "partner": "Transitions Pro",
        "modality": "face_to_face",
        "site": "rennes",
        "date": "2026-12-03",
        "start_time": "14:00",
        "end_time": "16h30",
        "capacity": "12",
    }
    answer = await front.post("/manager/collective-sessions", form)
    assert answer.status_code == 303
    assert re.fullmatch(
        r"/manager/collective-sessions/[0-9a-f-]{36}\?done=session_planned",
        answer.headers["location"],
    )
    (body,) = api.called("create")[0]
    assert body == {
        "title": "Découvrir le PTP",
        "partner": "Transitions Pro",
        "modality": "face_to_face",
        "site": "rennes",
        "starts_at": "2026-12-03T14:00:00+01:00",
        "ends_at": "2026-12-03T16:30:00+01:00",
        "capacity": 12,
    }
    # A remote session drops a site chosen before switching; a French date is read too.
    await front.post(
        "/manager/collective-sessions",
        {**form, "modality": "video", "date": "15/07/2026", "end_time": "15:00"},
    )
    (body,) = api.called("create")[1]
    assert body["site"] is None
    assert body["starts_at"] == "2026-07-15T14:00:00+02:00"


async def test_a_form_the_page_can_read_wrong_comes_back_as_typed(
    front: Front, api: FakeCollective
) -> None:
    await sign_in(front, "manager", "m-anne-durand")
    form = {
        "title": "",
        "partner": "Partenaire <b>tapé</b>",
        "modality": "carrier_pigeon",
        "date": "demain",
        "start_time": "25:00",
        "end_time": "16:00",
        "capacity": "douze",
    }
    answer = await front.post("/manager/collective-sessions", form)
    assert answer.status_code == 422
    raw = answer.text
    text = plain(raw)
    assert "corrigez les champs signalés" in text
    assert "Indiquez l'intitulé de la réunion" in text
    assert "Choisissez une modalité de la liste." in text
    assert "Indiquez une date valide" in text
    assert "Indiquez l'heure de début" in text
    assert "Indiquez un nombre de places entre 1 et 500." in text
    assert 'value="Partenaire &lt;b&gt;tapé&lt;/b&gt;"' in raw
    assert 'value="douze"' in text
    assert 'id="capacity" name="capacity" type="number"' in text
    assert 'aria-invalid="true" aria-describedby="capacity-error"' in raw
    assert api.called("create") == []


async def test_the_services_refusals_sit_beside_their_fields(
    front: Front, api: FakeCollective
) -> None:
    await sign_in(front, "manager", "m-anne-durand")
    api.fail["create"] = ApiError(
        422,
        "invalid",
        (FieldError("ends_at", "ends_before_start"), FieldError("site", "site_required")),
    )
    form = {
        "title": "Réunion",
        "modality": "face_to_face",
        "date": "2026-12-03",
        "start_time": "16:00",
        "end_time": "14:00",
        "capacity": "12",
    }
    answer = await front.post("/manager/collective-sessions", form)
    assert answer.status_code == 422
    assert "L'heure de fin doit venir après l'heure de début." in plain(answer.text)
    assert "Choisissez le lieu d'accueil de cette réunion en face-à-face." in plain(answer.text)
    assert 'value="16:00"' in plain(answer.text)
    api.fail["create"] = ApiError(403, "other region")
    assert (await front.post("/manager/collective-sessions", form)).status_code == 403


async def test_a_manager_reads_a_session_with_named_registrants_and_acts_on_it(
    front: Front, api: FakeCollective
) -> None:
    await sign_in(front, "manager", "m-anne-durand")
    known = case_details()
    front.intake.cases[known.case_id] = known
    sid = uuid4()
    seated, waiting = uuid4(), uuid4()
    api.shown[sid] = session_view(
        session_id=str(sid),
        registrations=[
            {
                "registration_id": str(seated),
                "beneficiary_id": str(uuid4()),
                "case_id": str(known.case_id),
                "status": "registered",
                "registered_at": "2026-11-20T10:00:00Z",
            },
            {
                "registration_id": str(waiting),
                "beneficiary_id": str(uuid4()),
                "case_id": str(uuid4()),
                "status": "waitlisted",
                "registered_at": "2026-11-21T10:00:00Z",
                "waitlist_rank": 1,
            },
        ],
    )
    page = await front.client.get(f"/manager/collective-sessions/{sid}")
    text = plain(page.text)
    assert page.status_code == 200
    assert "Inès Moreau" in text
    assert "Participant n° 2" in text
    assert "Sur liste d'attente (position 1)" in text
    # Before the start: no attendance yet, but requalifying and cancelling.
    assert "/attendance" not in text
    assert "La présence se note ici une fois la réunion commencée." in text
    assert f'action="/manager/collective-sessions/{sid}/requalify"' in text
    assert 'value="face_to_face"' not in text.split('id="requalify"')[1].split("</form>")[0]

    answer = await front.post(
        f"/manager/collective-sessions/{sid}/requalify", {"modality": "video"}
    )
    assert answer.headers["location"].endswith("done=session_requalified")
    assert api.called("requalify") == [(sid, Modality.VIDEO)]
    refused = await front.post(
        f"/manager/collective-sessions/{sid}/requalify", {"modality": "face_to_face"}
    )
    assert refused.status_code == 422
    assert "Choisissez la visio ou le téléphone." in plain(refused.text)
    assert len(api.called("requalify")) == 1

    unconfirmed = await front.post(f"/manager/collective-sessions/{sid}/cancel", {})
    assert unconfirmed.status_code == 422
    assert "Cochez cette case pour confirmer l'annulation." in plain(unconfirmed.text)
    assert api.called("cancel") == []
    done = await front.post(f"/manager/collective-sessions/{sid}/cancel", {"confirm": "yes"})
    assert done.headers["location"].endswith("done=session_cancelled")
    assert api.called("cancel") == [(sid,)]
    api.fail["cancel"] = conflict("session_over")
    late = await front.post(f"/manager/collective-sessions/{sid}/cancel", {"confirm": "yes"})
    assert (late.status_code, "elle ne peut plus être annulée" in plain(late.text)) == (409, True)


async def test_attendance_once_started_by_the_counsellor_from_the_detail_page(
    front: Front, api: FakeCollective
) -> None:
    await sign_in(front, "counsellor", "c-camille-bernard")
    sid, rid = uuid4(), uuid4()
    started = NOW - timedelta(minutes=10)
    api.shown[sid] = session_view(
        session_id=str(sid),
        starts_at=started.isoformat(),
        ends_at=(started + timedelta(hours=2)).isoformat(),
        registrations=[
            {
                "registration_id": str(rid),
                "beneficiary_id": str(uuid4()),
                "case_id": None,
                "status": "registered",
                "registered_at": "2026-11-20T10:00:00Z",
            }
        ],
    )
    page = await front.client.get(f"/counsellor/collective-sessions/{sid}")
    assert f'action="/counsellor/collective-sessions/{sid}/attendance"' in plain(page.text)
    assert f'name="registration_id" value="{rid}"' in plain(page.text)
    assert "/requalify" not in plain(page.text)
    assert "/cancel" not in plain(page.text)
    answer = await front.post(
        f"/counsellor/collective-sessions/{sid}/attendance",
        {"registration_id": str(rid), "attended": "no"},
    )
    assert answer.headers["location"] == (
        f"/counsellor/collective-sessions/{sid}?done=attendance_marked"
    )
    assert api.called("mark_attendance") == [(sid, rid, False)]
    api.fail["mark_attendance"] = conflict("session_not_started")
    refused = await front.post(
        f"/counsellor/collective-sessions/{sid}/attendance",
        {"registration_id": str(rid), "attended": "yes"},
    )
    assert refused.status_code == 409
    assert "La présence se note une fois la réunion commencée." in plain(refused.text)
    bad = await front.post(
        f"/counsellor/collective-sessions/{sid}/attendance",
        {"registration_id": "nope", "attended": "yes"},
    )
    assert bad.status_code == 422
    assert 'href="/counsellor/collective-sessions"' in (await front.client.get("/counsellor")).text


async def test_each_persona_reaches_only_its_own_session_pages(
    front: Front, api: FakeCollective
) -> None:
    await sign_in(front, "counsellor", "c-camille-bernard")
    for path in ("/manager/collective-sessions", "/beneficiary/collective-sessions"):
        assert (await front.client.get(path)).status_code == 403, path
    planned = await front.post("/manager/collective-sessions", {"title": "x"})
    assert planned.status_code == 403
    assert api.called("create") == []
    page = await front.client.get("/counsellor/collective-sessions")
    assert 'action="/manager/collective-sessions"' not in plain(page.text)
    api.fail["session"] = ApiError(403, "another region")
    assert (await front.client.get(f"/counsellor/collective-sessions/{uuid4()}")).status_code == 403


def test_every_status_has_a_french_label() -> None:
    for enum in (SessionStatus, RegistrationStatus):
        for member in enum:
            assert labels.label(member.value, enum) == labels.ENUM_LABELS[enum][member]
    for code in (
        "session_registered",
        "session_waitlisted",
        "session_registration_cancelled",
        "session_planned",
        "attendance_marked",
        "session_requalified",
        "session_cancelled",
    ):
        assert labels.DONE[code]


# The adapter ----------------------------------------------------------------------------------


async def test_the_http_adapter_calls_the_routes_and_reads_refusals() -> None:
    calls: list[httpx.Request] = []
    sid, rid = uuid4(), uuid4()
    shown = session_view(session_id=str(sid)).model_dump(mode="json")
    done = {"registration_id": str(rid), "session_id": str(sid), "status": "waitlisted"}

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        path = request.url.path
        if path.endswith("/registration") and request.method == "POST":
            return httpx.Response(
                409,
                json={
                    "detail": "you are already registered",
                    "errors": [
                        {
                            "location": "body",
                            "field": "session",
                            "type": "already_registered",
                            "message": "x",
                        }
                    ],
                },
            )
        if path.endswith(("/registration", "/attendance")):
            return httpx.Response(200, json=done)
        if path == "/collective-sessions" and request.method == "GET":
            return httpx.Response(200, json=[shown])
        return httpx.Response(201 if request.method == "POST" else 200, json=shown)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    api = HttpCollectiveApi(ServiceClient(http, "http://appointment.test", "appointment"))
    assert [s.session_id for s in await api.sessions("t")] == [sid]
    assert (await api.session("t", sid)).status is SessionStatus.SCHEDULED
    with pytest.raises(ApiError) as refused:
        await api.register("t", sid)
    assert (refused.value.status, refused.value.errors[0].type) == (409, "already_registered")
    assert (await api.unregister("t", sid)).status is RegistrationStatus.WAITLISTED
    await api.mark_attendance("t", sid, rid, attended=True)
    await api.requalify("t", sid, Modality.PHONE)
    await api.cancel("t", sid)
    await api.create("t", {"title": "x"})
    seen = [(r.method, r.url.path) for r in calls]
    assert seen == [
        ("GET", "/collective-sessions"),
        ("GET", f"/collective-sessions/{sid}"),
        ("POST", f"/collective-sessions/{sid}/registration"),
        ("DELETE", f"/collective-sessions/{sid}/registration"),
        ("POST", f"/collective-sessions/{sid}/attendance"),
        ("POST", f"/collective-sessions/{sid}/requalify"),
        ("POST", f"/collective-sessions/{sid}/cancel"),
        ("POST", "/collective-sessions"),
    ]
    assert json.loads(calls[4].content) == {"registration_id": str(rid), "attended": True}
    assert json.loads(calls[5].content) == {"modality": "phone"}
    assert all(r.headers["authorization"] == "Bearer t" for r in calls)


def test_sessions_read_in_paris_time_across_days() -> None:
    from web.entrypoints.collective import when

    late = session_view(
        starts_at=datetime(2026, 12, 3, 22, 0).isoformat() + "Z",
        ends_at=datetime(2026, 12, 4, 1, 0).isoformat() + "Z",
    )
    assert when(late) == ("du jeudi 3 décembre 2026 à 23 h 00 au vendredi 4 décembre 2026 à 2 h 00")

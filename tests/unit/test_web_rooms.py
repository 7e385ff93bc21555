"""The video and phone call pages over fakes: tickets, join links, passes, buttons, the check."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import jwt
import pytest

from jalon_shared.access import Role
from jalon_shared.events.envelope import utc_now
from jalon_shared.links import JOIN_PURPOSE, SignedLinks
from tests.unit.test_web_collective import FakeCollective, session_view
from tests.unit.web_appointment_fakes import appointment, own_case
from tests.unit.web_fakes import NOW, case_details, sign_in, sign_in_beneficiary
from tests.unit.web_room_fakes import (
    LINK_SECRET,
    SIGNALLING,
    RoomFront,
    build_room_front,
    join_token,
    room,
    room_of,
)
from web.adapters.rooms import HttpRoomsApi
from web.adapters.services import ServiceClient
from web.application.appointment_views import Appointment
from web.application.call_passes import CallPass, CallPasses, InvalidPassError, PassKind
from web.application.collective_views import CollectiveSession
from web.application.errors import ApiError
from web.application.join_windows import (
    JoinWindow,
    appointment_join_window,
    collective_join_window,
)
from web.application.room_views import Room
from web.entrypoints.main import WebOptions
from web.entrypoints.rooms import duration_text

SCRIPTS = Path(__file__).parents[2] / "services/web/web/entrypoints/scripts"
COUNSELLOR = "c-camille-bernard"
DASH = "\u2013"


@pytest.fixture
def built() -> RoomFront:
    return build_room_front()


def plain(page: str) -> str:
    """Return the page as read: entities decoded, without the Unicode isolates around names."""
    return html.unescape(page).replace("\u2068", "").replace("\u2069", "")


def call_data(page: str, node: str = "call-data") -> dict[str, Any]:
    """Return what the page hands its script."""
    found = re.search(rf'<script type="application/json" id="{node}">(.*?)</script>', page, re.S)
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def video_soon(**overrides: Any) -> Appointment:
    """Return a video appointment starting in 10 minutes (15 h 15 in Paris)."""
    data: dict[str, Any] = {
        "modality": "video",
        "place": "remote",
        "starts_at": (NOW + timedelta(minutes=10)).isoformat(),
        "ends_at": (NOW + timedelta(minutes=55)).isoformat(),
    }
    data.update(overrides)
    return appointment(**data)


async def as_beneficiary(built: RoomFront) -> str:
    """Sign a beneficiary in; return their id (the tokens' subject)."""
    account = await sign_in_beneficiary(built.world.front, "ines.moreau@example.org")
    return str(account.beneficiary_id)


def subjects(built: RoomFront) -> set[str]:
    return {sub for _, sub, _, _ in built.rooms.calls}


# The call page ------------------------------------------------------------------------------


async def test_the_counsellors_call_page_carries_a_fresh_ticket_the_socket_and_the_controls(
    built: RoomFront,
) -> None:
    one = video_soon()
    opened = built.rooms.add(room_of(one), COUNSELLOR)
    await sign_in(built.world.front, "counsellor", COUNSELLOR)
    page = await built.world.front.client.get(f"/counsellor/rooms/{one.appointment_id}")
    assert page.status_code == 200
    data = call_data(page.text)
    assert data["ticket"] == f"ticket-1-{COUNSELLOR}"
    assert data["signalling_url"] == f"{SIGNALLING}/rooms/{opened.room_id}/signal"
    assert data["role"] == "counsellor"
    assert data["host"] is True
    assert data["state"] == "open"
    assert data["modality"] == "video"
    assert data["ticket_url"] == "/calls/ticket"
    assert data["pass"]
    # The page may run its own script and open that one socket, nothing more.
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self' ws://signal.test:8103" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["permissions-policy"].startswith("camera=(self), microphone=(self)")
    assert '<script src="/scripts/call.js" defer></script>' in page.text
    text = plain(page.text)
    assert "Rien n'est enregistré : ni l'image, ni le son, ni les échanges." in text
    assert f"Lundi 23 novembre 2026, 14 h 15 {DASH} 15 h 00" in text
    for label in (
        "Couper le micro",
        "Couper la caméra",
        "Passer en audio seul",
        "Quitter",
        "Terminer la séance",
        "Salle d'attente",
        "Rejoindre la séance",
        "Qualité de la connexion",
    ):
        assert label in text
    assert '<button type="button" id="join">' in page.text
    assert f'href="/test-materiel?retour=/counsellor/rooms/{one.appointment_id}"' in page.text
    assert built.rooms.called("ticket") == [(COUNSELLOR, (opened.room_id,))]


async def test_the_beneficiarys_phone_page_is_audio_only_and_waits_in_the_lobby(
    built: RoomFront,
) -> None:
    me = await as_beneficiary(built)
    one = video_soon(modality="phone")
    built.rooms.add(room_of(one), me)
    page = await built.world.front.client.get(f"/beneficiary/rooms/{one.appointment_id}")
    assert page.status_code == 200
    data = call_data(page.text)
    assert data["role"] == "beneficiary"
    assert data["host"] is False
    assert data["modality"] == "phone"
    assert data["ticket"] == f"ticket-1-{me}"
    text = plain(page.text)
    assert "Votre conseiller·ère va vous faire entrer." in text
    assert "Téléphone : le son seulement" in text
    assert "Couper le micro" in text
    assert 'id="camera"' not in page.text
    assert 'id="audio-only"' not in page.text
    assert 'id="end"' not in page.text
    assert 'id="lobby-list"' not in page.text
    assert "<video" not in page.text


async def test_a_beneficiary_never_reaches_another_persons_room(built: RoomFront) -> None:
    me = await as_beneficiary(built)
    theirs = video_soon()
    built.rooms.add(room_of(theirs), str(uuid4()))
    page = await built.world.front.client.get(f"/beneficiary/rooms/{theirs.appointment_id}")
    assert page.status_code == 404
    assert "ne vous concerne pas" in plain(page.text)
    assert not built.rooms.called("ticket")
    # The room was asked for with the signed-in person's own token, never with another id.
    assert subjects(built) == {me}


async def test_a_counsellor_cannot_use_the_beneficiarys_page(built: RoomFront) -> None:
    one = video_soon()
    built.rooms.add(room_of(one), COUNSELLOR)
    await sign_in(built.world.front, "counsellor", COUNSELLOR)
    page = await built.world.front.client.get(f"/beneficiary/rooms/{one.appointment_id}")
    assert page.status_code == 403
    assert not built.rooms.calls


async def test_without_the_rooms_service_the_page_is_unavailable() -> None:
    built = build_room_front(signalling_url="")
    await sign_in(built.world.front, "counsellor", COUNSELLOR)
    page = await built.world.front.client.get(f"/counsellor/rooms/{uuid4()}")
    assert page.status_code == 503
    assert not built.rooms.calls


async def test_a_room_not_open_yet_says_when_it_opens_and_gives_no_ticket(
    built: RoomFront,
) -> None:
    later = video_soon(
        starts_at=(NOW + timedelta(hours=2)).isoformat(),
        ends_at=(NOW + timedelta(hours=2, minutes=45)).isoformat(),
    )
    built.rooms.add(room_of(later, joinable=False), COUNSELLOR)
    await sign_in(built.world.front, "counsellor", COUNSELLOR)
    page = await built.world.front.client.get(f"/counsellor/rooms/{later.appointment_id}")
    assert page.status_code == 200
    data = call_data(page.text)
    assert data["state"] == "not_yet_open"
    assert data["ticket"] is None
    assert data["signalling_url"] is None
    assert data["opens_in_seconds"] == 105 * 60 + 1
    assert "La salle ouvre le lundi 23 novembre 2026, 15 h 50" in plain(page.text)
    assert '<button type="button" id="join" disabled>' in page.text
    assert not built.rooms.called("ticket")


@pytest.mark.parametrize(
    ("overrides", "said"),
    [
        (
            {"status": "ended", "joinable": False, "duration_seconds": 2532.4},
            "Cette séance est terminée. Durée : 42 min.",
        ),
        ({"status": "cancelled", "joinable": False}, "Ce rendez-vous a été annulé."),
    ],
)
async def test_an_ended_or_cancelled_room_says_so(
    built: RoomFront, overrides: dict[str, Any], said: str
) -> None:
    one = video_soon()
    built.rooms.add(room_of(one, **overrides), COUNSELLOR)
    await sign_in(built.world.front, "counsellor", COUNSELLOR)
    page = await built.world.front.client.get(f"/counsellor/rooms/{one.appointment_id}")
    assert said in plain(page.text)
    assert call_data(page.text)["ticket"] is None
    assert 'id="prejoin" hidden' in page.text


async def test_a_room_that_closes_between_two_reads_is_shown_closed(built: RoomFront) -> None:
    one = video_soon()
    built.rooms.add(room_of(one), COUNSELLOR)
    built.rooms.closed = True
    await sign_in(built.world.front, "counsellor", COUNSELLOR)
    page = await built.world.front.client.get(f"/counsellor/rooms/{one.appointment_id}")
    assert page.status_code == 200
    assert call_data(page.text)["state"] == "closed"
    assert "La salle de cette séance est fermée" in plain(page.text)


def test_durations_read_in_minutes_then_hours() -> None:
    assert duration_text(None) is None
    assert duration_text(29) == "moins d'une minute"
    assert duration_text(89) == "1 min"
    assert duration_text(2532) == "42 min"
    assert duration_text(3900) == "1 h 05"


# The join link ------------------------------------------------------------------------------


async def test_the_join_link_opens_the_call_as_its_beneficiary_without_a_session(
    built: RoomFront,
) -> None:
    one = video_soon()
    built.rooms.add(room_of(one), str(one.beneficiary_id))
    token = join_token(built.links, one)
    page = await built.world.front.client.get(f"/visio/{token}")
    assert page.status_code == 200
    assert "set-cookie" not in page.headers
    data = call_data(page.text)
    assert data["role"] == "beneficiary"
    assert data["ticket"] == f"ticket-1-{one.beneficiary_id}"
    assert "Ne le transférez pas." in page.text
    assert f'href="/visio/{token}/test-materiel"' in page.text
    # The service is asked as the link's beneficiary, with a token that lives minutes.
    tokens = {t for _, _, t, _ in built.rooms.calls}
    for sent in tokens:
        principal = built.world.front.verifier.verify(sent)
        assert principal.role is Role.BENEFICIARY
        assert principal.sub == str(one.beneficiary_id)
        claims = jwt.decode(sent, options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] <= 300
    # The link never becomes a session.
    assert (await built.world.front.client.get("/beneficiary/appointments")).status_code == 303


def other_purpose(one: Appointment) -> str:
    # A message's appointment link: signed with the same secret, for another purpose.
    return SignedLinks(LINK_SECRET).token(
        one.appointment_id, one.beneficiary_id, utc_now() + timedelta(days=1)
    )


def altered(token: str) -> str:
    return token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")


def foreign(one: Appointment) -> str:
    return SignedLinks("x" * 48).token(
        one.appointment_id, one.beneficiary_id, utc_now() + timedelta(days=1), JOIN_PURPOSE
    )


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(lambda built, one: altered(join_token(built.links, one)), id="altered"),
        pytest.param(lambda built, one: join_token(built.links, one).split(".")[0], id="cut"),
        pytest.param(
            lambda built, one: join_token(
                built.links, one, expires_at=utc_now() - timedelta(minutes=1)
            ),
            id="expired",
        ),
        pytest.param(lambda built, one: other_purpose(one), id="other-purpose"),
        pytest.param(lambda built, one: foreign(one), id="other-secret"),
    ],
)
async def test_a_bad_join_link_opens_nothing_and_sets_no_cookie(built: RoomFront, bad: Any) -> None:
    one = video_soon()
    built.rooms.add(room_of(one), str(one.beneficiary_id))
    token = bad(built, one)
    for path in (f"/visio/{token}", f"/visio/{token}/test-materiel"):
        page = await built.world.front.client.get(path)
        assert page.status_code == 404
        assert "set-cookie" not in page.headers
        assert "Ce lien n'est plus valable" in plain(page.text)
    assert not built.rooms.calls


async def test_a_join_link_to_a_room_gone_says_so(built: RoomFront) -> None:
    one = video_soon()
    page = await built.world.front.client.get(f"/visio/{join_token(built.links, one)}")
    assert page.status_code == 404
    assert "Aucune séance à distance" in plain(page.text)
    assert not built.rooms.called("ticket")


# Tickets for reconnection -------------------------------------------------------------------


async def test_the_page_gets_new_tickets_with_its_pass_even_after_the_cookie_expired(
    built: RoomFront,
) -> None:
    one = video_soon()
    opened = built.rooms.add(room_of(one), COUNSELLOR)
    front = built.world.front
    await sign_in(front, "counsellor", COUNSELLOR)
    data = call_data((await front.client.get(f"/counsellor/rooms/{one.appointment_id}")).text)
    # The session cookie lives 15 minutes; a call lasts longer and must still reconnect.
    front.client.cookies.clear()
    answer = await front.client.post("/calls/ticket", data={"pass": data["pass"]})
    assert answer.status_code == 200
    renewed = answer.json()
    assert renewed["ticket"] == f"ticket-2-{COUNSELLOR}"
    assert renewed["signalling_url"] == f"{SIGNALLING}/rooms/{opened.room_id}/signal"
    assert renewed["state"] == "open"
    assert renewed["pass"]
    again = await front.client.post("/calls/ticket", data={"pass": renewed["pass"]})
    assert again.json()["ticket"] == f"ticket-3-{COUNSELLOR}"
    assert answer.headers["cache-control"] == "no-store"


async def test_a_pass_dies_with_its_signed_out_session(built: RoomFront) -> None:
    one = video_soon()
    built.rooms.add(room_of(one), COUNSELLOR)
    front = built.world.front
    await sign_in(front, "counsellor", COUNSELLOR)
    data = call_data((await front.client.get(f"/counsellor/rooms/{one.appointment_id}")).text)
    await front.post("/sign-out")
    answer = await front.client.post("/calls/ticket", data={"pass": data["pass"]})
    assert answer.status_code == 401
    assert answer.json()["error"] == "pass_invalid"
    assert "Rechargez la page" in answer.json()["message"]
    assert len(built.rooms.called("ticket")) == 1


async def test_an_altered_or_foreign_pass_gets_nothing(built: RoomFront) -> None:
    one = video_soon()
    built.rooms.add(room_of(one), COUNSELLOR)
    front = built.world.front
    await sign_in(front, "counsellor", COUNSELLOR)
    data = call_data((await front.client.get(f"/counsellor/rooms/{one.appointment_id}")).text)
    calls = len(built.rooms.calls)
    forged = CallPasses(b"other key" * 4).sign(
        CallPass(COUNSELLOR, Role.COUNSELLOR, PassKind.APPOINTMENT, one.appointment_id)
    )
    for bad in (data["pass"][:-2] + "xx", forged, "", "x" * 5000):
        answer = await front.client.post("/calls/ticket", data={"pass": bad})
        assert answer.status_code == 401
        assert answer.json()["error"] == "pass_invalid"
    assert len(built.rooms.calls) == calls
    cross = await front.client.post(
        "/calls/ticket",
        data={"pass": data["pass"]},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 403
    assert len(built.rooms.calls) == calls


async def test_a_pass_is_refused_once_the_room_is_no_longer_the_persons(
    built: RoomFront,
) -> None:
    me = await as_beneficiary(built)
    one = video_soon()
    opened = built.rooms.add(room_of(one), me)
    front = built.world.front
    data = call_data((await front.client.get(f"/beneficiary/rooms/{one.appointment_id}")).text)
    built.rooms.members[opened.room_id] = set()
    answer = await front.client.post("/calls/ticket", data={"pass": data["pass"]})
    assert answer.status_code == 403
    assert answer.json() == {
        "error": "not_allowed",
        "message": "Vous n'avez pas accès à cette séance.",
    }
    built.rooms.members[opened.room_id] = {me}
    built.rooms.fail["room_for_appointment"] = ApiError(503, "down")
    down = await front.client.post("/calls/ticket", data={"pass": data["pass"]})
    assert down.status_code == 503
    assert down.json()["error"] == "unavailable"


async def test_a_room_that_ended_answers_its_state_not_a_ticket(built: RoomFront) -> None:
    one = video_soon()
    opened = built.rooms.add(room_of(one), str(one.beneficiary_id))
    front = built.world.front
    data = call_data((await front.client.get(f"/visio/{join_token(built.links, one)}")).text)
    ended = Room.model_validate(
        {**opened.model_dump(), "status": "ended", "joinable": False, "duration_seconds": 1800.0}
    )
    built.rooms.add(ended, str(one.beneficiary_id))
    answer = await front.client.post("/calls/ticket", data={"pass": data["pass"]})
    assert answer.status_code == 200
    body = answer.json()
    assert body["state"] == "ended"
    assert body["ticket"] is None
    assert body["duration_seconds"] == 1800.0
    assert {sub for sub, _ in built.rooms.called("room_for_appointment")} == {
        str(one.beneficiary_id)
    }


def test_passes_round_trip_and_refuse_what_is_not_theirs() -> None:
    passes = CallPasses(b"k" * 32)
    target = uuid4()
    original = CallPass(
        COUNSELLOR, Role.COUNSELLOR, PassKind.COLLECTIVE, target, "bretagne", "rennes", "jti-1"
    )
    assert passes.read(passes.sign(original)) == original
    stale = CallPasses(b"k" * 32, clock=lambda: datetime(2020, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidPassError):
        passes.read(stale.sign(original))
    wrong = jwt.encode({"pur": "form", "sub": "x"}, b"k" * 32, algorithm="HS256")
    with pytest.raises(InvalidPassError):
        passes.read(wrong)
    with pytest.raises(InvalidPassError):
        CallPasses(b"j" * 32).read(passes.sign(original))


# Information meetings -----------------------------------------------------------------------


def with_collective(built: RoomFront, *sessions: CollectiveSession) -> FakeCollective:
    fake = FakeCollective(listed=list(sessions), shown={s.session_id: s for s in sessions})
    front = built.world.front
    front.deps = replace(front.deps, collective=fake)
    front.app.state.web = front.deps
    return fake


def remote_meeting(**overrides: Any) -> CollectiveSession:
    data: dict[str, Any] = {
        "modality": "video",
        "site": None,
        "starts_at": (NOW + timedelta(minutes=5)).isoformat(),
        "ends_at": (NOW + timedelta(hours=2)).isoformat(),
    }
    data.update(overrides)
    return session_view(**data)


def meeting_room(meeting: CollectiveSession) -> Any:
    return room(
        kind="collective",
        appointment_id=None,
        case_id=None,
        collective_session_id=str(meeting.session_id),
        starts_at=meeting.starts_at.isoformat(),
        ends_at=meeting.ends_at.isoformat(),
        opens_at=(meeting.starts_at - timedelta(minutes=15)).isoformat(),
        closes_at=(meeting.starts_at + timedelta(hours=3)).isoformat(),
    )


async def test_a_registered_beneficiary_joins_a_remote_meeting_as_an_attendee(
    built: RoomFront,
) -> None:
    me = await as_beneficiary(built)
    mine = {
        "registration_id": str(uuid4()),
        "status": "registered",
        "registered_at": "2026-11-20T10:00:00Z",
    }
    meeting = remote_meeting(my_registration=mine)
    waiting = remote_meeting(my_registration={**mine, "status": "waitlisted"})
    on_site = session_view(my_registration=mine)
    with_collective(built, meeting, waiting, on_site)
    listed = await built.world.front.client.get("/beneficiary/collective-sessions")
    href = f"/beneficiary/collective/{meeting.session_id}/room"
    assert f'id="join-{meeting.session_id}" href="{href}"' in listed.text
    assert f'id="join-{waiting.session_id}"' not in listed.text
    assert f'id="join-{on_site.session_id}"' not in listed.text
    built.rooms.add(meeting_room(meeting), me)
    page = await built.world.front.client.get(href)
    assert page.status_code == 200
    data = call_data(page.text)
    assert data["role"] == "attendee"
    assert data["host"] is False
    assert data["kind"] == "collective"
    assert "La personne qui anime la réunion va vous faire entrer." in plain(page.text)
    assert "<title>Réunion d'information en visio · Jalon</title>" in plain(page.text)


@pytest.mark.parametrize(
    ("persona", "account"), [("counsellor", COUNSELLOR), ("manager", "m-anne-durand")]
)
async def test_staff_of_the_region_present_a_remote_meeting(
    built: RoomFront, persona: str, account: str
) -> None:
    meeting = remote_meeting(registrations=[])
    with_collective(built, meeting)
    built.rooms.add(meeting_room(meeting), account)
    await sign_in(built.world.front, persona, account)
    shown = await built.world.front.client.get(
        f"/{persona}/collective-sessions/{meeting.session_id}"
    )
    href = f"/{persona}/collective/{meeting.session_id}/room"
    assert f'id="join-{meeting.session_id}" href="{href}"' in shown.text
    page = await built.world.front.client.get(href)
    assert page.status_code == 200
    data = call_data(page.text)
    assert data["role"] == "presenter"
    assert data["host"] is True
    assert 'id="lobby-list"' in page.text
    assert "Terminer la séance" in page.text
    assert f'href="/{persona}/collective-sessions/{meeting.session_id}"' in page.text


async def test_a_meeting_not_the_beneficiarys_is_not_found(built: RoomFront) -> None:
    await as_beneficiary(built)
    meeting = remote_meeting()
    built.rooms.add(meeting_room(meeting), str(uuid4()))
    page = await built.world.front.client.get(f"/beneficiary/collective/{meeting.session_id}/room")
    assert page.status_code == 404
    assert "vous n'y êtes pas inscrit" in plain(page.text)


async def test_staff_are_told_a_meeting_room_opens_with_its_first_registration(
    built: RoomFront,
) -> None:
    # No registration yet: remote-session has no room for the meeting.
    meeting = remote_meeting(registrations=[])
    with_collective(built, meeting)
    await sign_in(built.world.front, "manager", "m-anne-durand")
    page = await built.world.front.client.get(f"/manager/collective/{meeting.session_id}/room")
    assert page.status_code == 404
    assert "elle s'ouvre à la première inscription" in plain(page.text)


# "Rejoindre" buttons ------------------------------------------------------------------------


def test_the_join_window_opens_15_minutes_before_and_closes_an_hour_after() -> None:
    one = video_soon()
    opens = one.starts_at - timedelta(minutes=15)
    closes = one.ends_at + timedelta(minutes=60)
    assert appointment_join_window(one, opens - timedelta(seconds=1)) is JoinWindow.SOON
    assert appointment_join_window(one, opens) is JoinWindow.OPEN
    assert appointment_join_window(one, closes - timedelta(seconds=1)) is JoinWindow.OPEN
    assert appointment_join_window(one, closes) is JoinWindow.CLOSED
    assert appointment_join_window(video_soon(status="cancelled"), opens) is None
    assert (
        appointment_join_window(video_soon(modality="face_to_face", place="rennes"), opens) is None
    )
    assert appointment_join_window(video_soon(modality="asynchronous"), opens) is None
    meeting = remote_meeting()
    assert (
        collective_join_window(meeting, meeting.starts_at + timedelta(hours=3)) is JoinWindow.CLOSED
    )
    assert collective_join_window(remote_meeting(status="cancelled"), NOW) is None
    assert collective_join_window(session_view(), NOW) is None


async def test_the_beneficiarys_appointments_offer_rejoindre_from_15_minutes_before(
    built: RoomFront,
) -> None:
    case = own_case(built.world.front)
    now_open = video_soon(case_id=str(case.case_id))
    later = video_soon(
        case_id=str(case.case_id),
        modality="phone",
        starts_at=(NOW + timedelta(hours=2)).isoformat(),
        ends_at=(NOW + timedelta(hours=2, minutes=45)).isoformat(),
    )
    on_site = video_soon(case_id=str(case.case_id), modality="face_to_face", place="rennes")
    built.world.appointments.add(now_open, later, on_site)
    await as_beneficiary(built)
    page = await built.world.front.client.get("/beneficiary/appointments")
    text = page.text
    assert (
        f'<a class="button" id="join-{now_open.appointment_id}" '
        f'href="/beneficiary/rooms/{now_open.appointment_id}">Rejoindre la visio</a>'
    ) in text
    assert f'<button type="button" disabled id="join-{later.appointment_id}"' in text
    assert "Disponible 15 minutes avant le rendez-vous, à partir de 15 h 50" in plain(text)
    assert f'id="join-{on_site.appointment_id}"' not in text
    assert 'href="/test-materiel"' in text


async def test_the_counsellors_agenda_and_case_offer_rejoindre(built: RoomFront) -> None:
    case = case_details()
    built.world.front.intake.cases[case.case_id] = case
    one = video_soon(case_id=str(case.case_id))
    built.world.appointments.add(one)
    await sign_in(built.world.front, "counsellor", COUNSELLOR)
    href = f'id="join-{one.appointment_id}" href="/counsellor/rooms/{one.appointment_id}"'
    agenda = await built.world.front.client.get(
        "/counsellor/agenda", params={"view": "day", "date": "2026-11-23"}
    )
    assert href in agenda.text
    case_page = await built.world.front.client.get(f"/counsellor/cases/{case.case_id}")
    assert href in case_page.text


async def test_the_rdv_link_page_joins_through_a_join_link(built: RoomFront) -> None:
    one = video_soon()
    built.world.appointments.add(one)
    built.rooms.add(room_of(one), str(one.beneficiary_id))
    action = built.links.token(
        one.appointment_id, one.beneficiary_id, utc_now() + timedelta(days=1)
    )
    page = await built.world.front.client.get(f"/rdv/{action}")
    assert page.status_code == 200
    found = re.search(rf'id="join-{one.appointment_id}" href="/visio/([^"]+)"', page.text)
    assert found is not None
    token = found.group(1)
    # Signed for joining (not for the appointment's actions), valid until the room closes; the
    # pages' clock is fake, so the expiry is read without checking it against the real time.
    claims = jwt.decode(token, LINK_SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert claims["pur"] == JOIN_PURPOSE
    assert (claims["apt"], claims["ben"]) == (str(one.appointment_id), str(one.beneficiary_id))
    assert claims["exp"] == int((one.ends_at + timedelta(minutes=60)).timestamp())
    assert f'href="/visio/{token}/test-materiel"' in page.text


# The pre-call check -------------------------------------------------------------------------


async def test_the_check_gets_an_echo_ticket_for_a_signed_in_person(built: RoomFront) -> None:
    me = await as_beneficiary(built)
    page = await built.world.front.client.get(
        "/test-materiel", params={"retour": f"/beneficiary/rooms/{uuid4()}"}
    )
    assert page.status_code == 200
    assert "connect-src 'self' ws://signal.test:8103" in page.headers["content-security-policy"]
    assert '<script src="/scripts/check.js" defer></script>' in page.text
    assert 'id="back-to-call"' in page.text
    text = plain(page.text)
    for words in (
        "Commencer le test",
        "La caméra",
        "Le micro",
        "La connexion",
        "Utilisez des écouteurs",
        "par téléphone",
    ):
        assert words in text
    assert '<progress id="check-progress"' in page.text
    data = call_data(page.text, "check-data")
    answer = await built.world.front.client.post("/calls/ticket", data={"pass": data["pass"]})
    assert answer.status_code == 200
    assert answer.json()["ticket"] == f"check-1-{me}"
    assert answer.json()["signalling_url"] == f"{SIGNALLING}/checks/signal"


async def test_the_check_without_a_session_tests_the_devices_only(built: RoomFront) -> None:
    page = await built.world.front.client.get(
        "/test-materiel", params={"retour": "https://evil.example/"}
    )
    assert page.status_code == 200
    assert call_data(page.text, "check-data")["pass"] is None
    assert "connectez-vous à votre espace" in plain(page.text)
    assert 'id="back-to-call"' not in page.text


async def test_the_check_from_a_join_link_can_test_the_connection(built: RoomFront) -> None:
    one = video_soon()
    token = join_token(built.links, one)
    page = await built.world.front.client.get(f"/visio/{token}/test-materiel")
    assert page.status_code == 200
    assert "set-cookie" not in page.headers
    assert f'href="/visio/{token}"' in page.text
    data = call_data(page.text, "check-data")
    answer = await built.world.front.client.post("/calls/ticket", data={"pass": data["pass"]})
    assert answer.json()["ticket"] == f"check-1-{one.beneficiary_id}"


# Scripts, settings and the adapter ----------------------------------------------------------


async def test_the_scripts_are_served_from_the_front(built: RoomFront) -> None:
    for name in ("call.js", "check.js"):
        answer = await built.world.front.client.get(f"/scripts/{name}")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/javascript")
        assert answer.content == (SCRIPTS / name).read_bytes()


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("name", ["call.js", "check.js"])
def test_the_scripts_parse(name: str) -> None:
    node = shutil.which("node")
    assert node is not None
    subprocess.run([node, "--check", str(SCRIPTS / name)], check=True, capture_output=True)


def test_the_call_script_speaks_french_and_exposes_the_call() -> None:
    script = (SCRIPTS / "call.js").read_text(encoding="utf-8")
    for words in (
        "Couper le micro",
        "Activer le micro",
        "Couper la caméra",
        "Activer la caméra",
        "Passer en audio seul",
        "Réactiver la vidéo",
        "Faire entrer",
        "Reconnexion…",
        "Vous avez rejoint depuis un autre onglet",
        "La séance est terminée.",
        '"Bonne"',
        '"Moyenne"',
        '"Faible"',
        "window.jalonCall",
        "replaceTrack",
        '"hello"',
        '"admit"',
        '"offer"',
        '"candidate"',
        '"state"',
        '"hangup"',
        '"end"',
        '"ping"',
    ):
        assert words in script, words


def test_the_signalling_url_defaults_to_the_dev_service_and_is_a_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert WebOptions().signalling_url == "ws://127.0.0.1:8103"
    from web.entrypoints.main import WebSettings

    monkeypatch.setenv("JALON_WEB__SIGNALLING_URL", "wss://visio.jalon.example")
    monkeypatch.setenv("JALON_WEB__PRIVATE_KEY_PEM", "unused")
    assert WebSettings().web.signalling_url == "wss://visio.jalon.example"


async def test_the_adapter_calls_the_contracts_paths() -> None:
    one = room()
    calls: list[httpx.Request] = []
    ticket = {
        "ticket": "t",
        "expires_at": "2026-11-23T13:07:00Z",
        "signalling_path": f"/rooms/{one.room_id}/signal",
        "room": one.model_dump(mode="json"),
    }
    check = {
        "ticket": "c",
        "expires_at": "2026-11-23T13:07:00Z",
        "signalling_path": "/checks/signal",
    }
    session_id = uuid4()
    answers: dict[tuple[str, str], tuple[int, Any]] = {
        ("GET", f"/rooms/by-appointment/{one.appointment_id}"): (200, one.model_dump(mode="json")),
        ("GET", f"/rooms/by-collective-session/{session_id}"): (200, one.model_dump(mode="json")),
        ("GET", f"/rooms/{one.room_id}"): (200, one.model_dump(mode="json")),
        ("POST", f"/rooms/{one.room_id}/tickets"): (201, ticket),
        ("POST", "/checks/tickets"): (201, check),
    }

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        code, body = answers.get(
            (request.method, request.url.path),
            (
                409,
                {
                    "detail": "room not open",
                    "errors": [
                        {
                            "location": "path",
                            "field": "room_id",
                            "type": "room_not_open",
                            "message": "x",
                        }
                    ],
                },
            ),
        )
        return httpx.Response(code, json=body)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    api = HttpRoomsApi(ServiceClient(http, "http://remote-session.test", "remote_session"))
    assert one.appointment_id is not None
    assert (await api.room_for_appointment("tok", one.appointment_id)) == one
    assert (await api.room_for_collective_session("tok", session_id)) == one
    assert (await api.room("tok", one.room_id)) == one
    assert (await api.ticket("tok", one.room_id)).signalling_path == f"/rooms/{one.room_id}/signal"
    assert (await api.check_ticket("tok")).ticket == "c"
    assert all(r.headers["authorization"] == "Bearer tok" for r in calls)
    with pytest.raises(ApiError) as refused:
        await api.ticket("tok", uuid4())
    assert refused.value.status == 409
    assert refused.value.errors[0].type == "room_not_open"

"""The page a message's signed link opens: one appointment, without signing in, and nothing more."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import jwt
import pytest

from jalon_shared.access import Role
from jalon_shared.events.vocabulary import ConsentAnswer, Modality
from jalon_shared.links import SignedLinks
from tests.unit.web_appointment_fakes import (
    AppointmentFront,
    appointment,
    build_appointment_front,
    conflict,
    slot,
)
from tests.unit.web_fakes import NOW
from web.application.appointment_views import Appointment, CancelReason
from web.application.errors import ApiError

SECRET = "s" * 48
LINKS = SignedLinks(SECRET, "https://jalon.example")


@pytest.fixture
def world() -> AppointmentFront:
    built = build_appointment_front()
    built.front.deps = replace(built.front.deps, links=SignedLinks(SECRET))
    built.front.app.state.web = built.front.deps
    return built


def link_to(one: Appointment, *, expires_at: datetime | None = None) -> str:
    """Return the page path of the link a message carries for the appointment."""
    # Links are checked against the real clock, not the pages' fake one.
    expiry = expires_at or datetime.now(UTC) + timedelta(days=30)
    url = LINKS.url(one.appointment_id, one.beneficiary_id, expiry)
    return url.removeprefix("https://jalon.example")


def tokens_sent(world: AppointmentFront) -> list[str]:
    return [token for _, token, _ in world.appointments.calls]


async def test_the_link_shows_its_appointment_as_its_beneficiary_without_a_session(
    world: AppointmentFront,
) -> None:
    one = appointment()
    world.appointments.add(one)
    page = await world.front.client.get(link_to(one))
    assert page.status_code == 200
    assert "Jeudi 3 décembre 2026" in page.text
    assert f'id="move-{one.appointment_id}"' in page.text
    assert f'id="cancel-{one.appointment_id}"' in page.text
    assert "Ne le transférez pas." in page.text
    # The link never becomes a session: no cookie, so the space stays closed.
    assert "set-cookie" not in page.headers
    assert (await world.front.client.get("/beneficiary/appointments")).status_code in (303, 401)
    # The service is asked as the link's beneficiary, with a token that lives minutes.
    (token,) = set(tokens_sent(world))
    principal = world.front.verifier.verify(token)
    assert principal.role is Role.BENEFICIARY
    assert principal.sub == str(one.beneficiary_id)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] <= 300


async def test_cancelling_from_the_link_sends_the_reason_and_confirms(
    world: AppointmentFront,
) -> None:
    one = appointment()
    world.appointments.add(one)
    path = link_to(one)
    # Forms on this page carry no session token: the link itself is the secret.
    answer = await world.front.client.post(f"{path}/cancel", data={"reason": "illness"})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{path}?done=appointment_cancelled"
    assert world.appointments.called("cancel") == [(one.appointment_id, CancelReason.ILLNESS)]
    shown = await world.front.client.get(answer.headers["location"])
    assert "Le rendez-vous est annulé." in shown.text
    staff_only = await world.front.client.post(
        f"{path}/cancel", data={"reason": "counsellor_unavailable"}
    )
    assert staff_only.status_code == 422
    assert "Choisissez un motif dans la liste." in staff_only.text


async def test_consent_is_answered_from_the_link(world: AppointmentFront) -> None:
    one = appointment(
        pending_change={
            "to_modality": "video",
            "requested_by": "manager",
            "requested_at": "2026-11-23T10:00:00Z",
            "closure_id": str(uuid4()),
        }
    )
    world.appointments.add(one)
    path = link_to(one)
    page = await world.front.client.get(path)
    assert f'id="consent-accept-video-{one.appointment_id}"' in page.text
    assert "Le lieu d'accueil sera fermé ce jour-là." in page.text
    answer = await world.front.client.post(f"{path}/consent", data={"choice": "accepted:video"})
    assert answer.headers["location"] == f"{path}?done=consent_accepted"
    assert world.appointments.called("consent") == [
        (one.appointment_id, ConsentAnswer.ACCEPTED, Modality.VIDEO)
    ]


async def test_moving_from_the_link_offers_slots_then_moves(world: AppointmentFront) -> None:
    one = appointment(modality="video", place="remote")
    world.appointments.add(one)
    world.appointments.free = [slot("2026-12-04T10:00:00+00:00", place="remote")]
    path = link_to(one)
    page = await world.front.client.get(f"{path}/move")
    assert page.status_code == 200
    assert 'aria-label="Déplacer au vendredi 4 décembre 2026, 11 h 00"' in page.text
    assert f'href="{path}"' in page.text
    answer = await world.front.client.post(
        f"{path}/move", data={"slot": "2026-12-04T10:00:00+00:00|remote"}
    )
    assert answer.headers["location"] == f"{path}?done=appointment_moved"
    assert world.appointments.called("reschedule") == [
        (one.appointment_id, datetime(2026, 12, 4, 10, tzinfo=UTC))
    ]


@pytest.mark.parametrize(
    "altered",
    [
        pytest.param(
            lambda path: path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"), id="altered"
        ),
        pytest.param(lambda path: path.split(".")[0], id="truncated"),
        pytest.param(lambda path: "/rdv/" + "x" * 40, id="garbage"),
    ],
)
async def test_a_link_that_was_altered_opens_nothing(
    world: AppointmentFront, altered: Callable[[str], str]
) -> None:
    one = appointment()
    world.appointments.add(one)
    page = await world.front.client.get(altered(link_to(one)))
    assert page.status_code == 404
    assert "Ce lien n&#39;est plus valable" in page.text
    assert 'id="link-sign-in"' in page.text
    assert not world.appointments.calls
    posted = await world.front.client.post(
        f"{altered(link_to(one))}/cancel",
        data={"reason": "illness"},
    )
    assert posted.status_code == 404
    assert not world.appointments.calls


async def test_an_expired_link_or_one_signed_for_something_else_opens_nothing(
    world: AppointmentFront,
) -> None:
    one = appointment()
    world.appointments.add(one)
    expired = link_to(one, expires_at=datetime.now(UTC) - timedelta(minutes=1))
    assert (await world.front.client.get(expired)).status_code == 404
    other_purpose = jwt.encode(
        {
            "apt": str(one.appointment_id),
            "ben": str(one.beneficiary_id),
            "pur": "something-else",
            "exp": int((datetime.now(UTC) + timedelta(days=30)).timestamp()),
        },
        SECRET,
        algorithm="HS256",
    )
    assert (await world.front.client.get(f"/rdv/{other_purpose}")).status_code == 404
    assert not world.appointments.calls


async def test_an_erased_appointment_is_gone_in_the_same_words_as_anothers(
    world: AppointmentFront,
) -> None:
    gone = appointment()
    page = await world.front.client.get(link_to(gone))
    assert page.status_code == 404
    assert "Ce rendez-vous n&#39;existe plus." in page.text
    world.appointments.fail["appointment"] = ApiError(403, "not yours")
    other = await world.front.client.get(link_to(gone))
    assert other.status_code == 404
    assert other.text == page.text


async def test_within_24_hours_the_link_says_to_call(world: AppointmentFront) -> None:
    soon = appointment(
        starts_at=(NOW + timedelta(hours=3)).isoformat(),
        ends_at=(NOW + timedelta(hours=4)).isoformat(),
    )
    world.appointments.add(soon)
    path = link_to(soon)
    page = await world.front.client.get(path)
    assert f'id="policy-{soon.appointment_id}"' in page.text
    assert f'id="cancel-{soon.appointment_id}"' not in page.text
    moving = await world.front.client.get(f"{path}/move")
    assert moving.status_code == 409
    world.appointments.fail["cancel"] = conflict("inside_policy_window")
    answer = await world.front.client.post(f"{path}/cancel", data={"reason": "illness"})
    assert answer.status_code == 409
    assert "moins de 24 heures" in answer.text


async def test_a_cancelled_appointment_is_shown_without_actions(world: AppointmentFront) -> None:
    done = appointment(status="cancelled", reason="illness")
    world.appointments.add(done)
    page = await world.front.client.get(link_to(done))
    assert page.status_code == 200
    assert 'id="link-closed"' in page.text
    assert "/cancel" not in page.text


async def test_a_post_from_another_site_is_refused(world: AppointmentFront) -> None:
    one = appointment()
    world.appointments.add(one)
    answer = await world.front.client.post(
        f"{link_to(one)}/cancel",
        data={"reason": "illness"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert answer.status_code == 403
    assert not world.appointments.called("cancel")


async def test_without_the_link_secret_the_page_is_unavailable() -> None:
    built = build_appointment_front()
    one = appointment()
    built.appointments.add(one)
    page = await built.front.client.get(link_to(one))
    assert page.status_code == 503


def test_a_links_ids_round_trip() -> None:
    appointment_id, beneficiary_id = uuid4(), uuid4()
    token = LINKS.token(appointment_id, beneficiary_id, datetime.now(UTC) + timedelta(days=1))
    assert LINKS.verify(token) == (appointment_id, beneficiary_id)
    assert isinstance(LINKS.verify(token)[0], UUID)

"""The appointment pages of the three personas over fakes: French, local times, refusals, CSRF."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from uuid import uuid4

import pytest

from jalon_shared.events.vocabulary import AbsentParty, AppointmentKind, ConsentAnswer, Modality
from tests.unit.web_appointment_fakes import (
    AppointmentFront,
    appointment,
    build_appointment_front,
    closure,
    conflict,
    invalid,
    own_case,
    slot,
)
from tests.unit.web_dashboard_samples import sample_board
from tests.unit.web_fakes import NOW, caseload_item, sign_in, sign_in_beneficiary
from web.application.appointment_views import (
    AppointmentStatus,
    CancelReason,
    ExceptionKind,
    NoShowReason,
    Plan,
    Rules,
    Window,
)
from web.application.errors import ApiError

#: The dash between a meeting's start and end.
DASH = "\u2013"
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def plain(html: str) -> str:
    """Return the page without the Unicode isolates around names in options."""
    return html.replace("\u2068", "").replace("\u2069", "")


def visible_text(html: str) -> str:
    """Return what a reader sees: the text outside tags and attributes."""
    return re.sub(r"<[^>]+>", " ", html)


def untagged(html: str) -> str:
    """Return the page with its tags taken out (text split by inline elements joins up)."""
    return re.sub(r"<[^>]+>", "", html)


@pytest.fixture
async def world() -> AppointmentFront:
    return build_appointment_front()


async def as_beneficiary(world: AppointmentFront) -> None:
    await sign_in_beneficiary(world.front, "ines.moreau@example.org")


# Beneficiary: booking -----------------------------------------------------------------------


async def test_step_one_offers_each_modality_and_kind_with_plain_explanations(
    world: AppointmentFront,
) -> None:
    own_case(world.front)
    await as_beneficiary(world)
    page = await world.front.client.get("/beneficiary/appointments/new")
    assert page.status_code == 200
    text = page.text
    assert 'action="/beneficiary/appointments/new/slots"' in text
    assert 'method="get"' in text
    for value, label in (
        ("face_to_face", "Sur place"),
        ("phone", "Téléphone"),
        ("video", "Visio"),
        ("asynchronous", "Échange écrit"),
    ):
        assert f'id="modality-{value}" name="modality" value="{value}"' in text
        assert f'<label for="modality-{value}">{label}</label>' in text
        assert f'id="modality-{value}-hint"' in text
    # No appointment held yet: the first meeting is suggested.
    assert 'id="kind-first_meeting" name="kind" value="first_meeting"' in text
    assert re.search(r'id="kind-first_meeting"[^>]*checked', text)
    assert "Premier entretien" in text
    assert "Entretien de suivi" in text
    assert 'id="see-slots"' in text
    assert "<bdi>Camille Bernard</bdi>" in text


async def test_without_a_counsellor_booking_is_explained_not_offered(
    world: AppointmentFront,
) -> None:
    own_case(world.front, counsellor_id=None, counsellor_name=None)
    await as_beneficiary(world)
    page = await world.front.client.get("/beneficiary/appointments/new")
    assert "attend l'attribution d'un conseiller" in page.text
    assert 'id="see-slots"' not in page.text


async def test_step_two_without_a_modality_names_the_field(world: AppointmentFront) -> None:
    own_case(world.front)
    await as_beneficiary(world)
    page = await world.front.client.get(
        "/beneficiary/appointments/new/slots", params={"kind": "follow_up"}
    )
    assert page.status_code == 422
    assert 'id="modality-error">Choisissez une façon de vous rencontrer.' in page.text
    assert re.search(r'id="kind-follow_up"[^>]*checked', page.text)
    assert not world.appointments.called("slots")


async def test_free_slots_are_grouped_by_local_day_across_a_daylight_saving_change(
    world: AppointmentFront,
) -> None:
    case = own_case(world.front)
    # 2027-03-28 is the spring change: 08:00 UTC is 9 h 00 on Saturday and 10 h 00 on Monday.
    world.appointments.free = [
        slot("2027-03-27T08:00:00+00:00"),
        slot("2027-03-27T13:30:00+00:00"),
        slot("2027-03-29T08:00:00+00:00"),
    ]
    await as_beneficiary(world)
    page = await world.front.client.get(
        "/beneficiary/appointments/new/slots",
        params={"modality": "video", "kind": "follow_up", "from": "2027-03-25"},
    )
    assert page.status_code == 200
    ((case_id, modality, kind, start, days, zone),) = world.appointments.called("slots")
    assert (case_id, modality, kind, days, zone) == (
        case.case_id,
        Modality.VIDEO,
        AppointmentKind.FOLLOW_UP,
        14,
        "Europe/Paris",
    )
    assert start.isoformat() == "2027-03-25T00:00:00+01:00"
    text = page.text
    assert "Créneaux libres du jeudi 25 mars 2027 au mercredi 7 avril 2027" in text
    assert '<h3 id="day-2027-03-27">Samedi 27 mars 2027</h3>' in text
    assert '<h3 id="day-2027-03-29">Lundi 29 mars 2027</h3>' in text
    saturday = text[text.index('id="day-2027-03-27"') : text.index('id="day-2027-03-29"')]
    monday = text[text.index('id="day-2027-03-29"') :]
    assert ">9 h 00<" in saturday
    assert ">14 h 30<" in saturday
    assert ">10 h 00<" in monday
    assert 'id="slot-1"' in text
    assert 'aria-label="Réserver le samedi 27 mars 2027, 9 h 00"' in text
    assert 'value="2027-03-27T08:00:00+00:00|rennes"' in text
    # Two weeks at a time, moving by a week; never before today.
    assert (
        'id="slots-later" href="/beneficiary/appointments/new/slots'
        '?modality=video&amp;kind=follow_up&amp;from=2027-04-01"' in text
    )
    assert "from=2027-03-18" in text
    assert "Rennes" not in visible_text(text)  # the place of a video meeting is not shown


async def test_face_to_face_slots_show_their_site(world: AppointmentFront) -> None:
    own_case(world.front)
    world.appointments.free = [slot("2026-12-03T13:30:00+00:00", place="brest")]
    await as_beneficiary(world)
    page = await world.front.client.get(
        "/beneficiary/appointments/new/slots",
        params={"modality": "face_to_face", "kind": "first_meeting"},
    )
    assert '<span class="slot-place"><bdi>Brest</bdi></span>' in page.text
    assert 'aria-label="Réserver le jeudi 3 décembre 2026, 14 h 30, Brest"' in page.text


async def test_pressing_a_slot_books_it_and_confirms_after_a_redirect(
    world: AppointmentFront,
) -> None:
    case = own_case(world.front)
    await as_beneficiary(world)
    answer = await world.front.post(
        "/beneficiary/appointments",
        {
            "modality": "face_to_face",
            "kind": "first_meeting",
            "from": "2026-11-30",
            "slot": "2026-12-03T13:30:00+00:00|rennes",
        },
    )
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        "/beneficiary/appointments?done=appointment_booked",
    )
    ((case_id, modality, kind, starts_at, place),) = world.appointments.called("book")
    assert (case_id, modality, kind, place) == (
        case.case_id,
        Modality.FACE_TO_FACE,
        AppointmentKind.FIRST_MEETING,
        "rennes",
    )
    assert starts_at == datetime(2026, 12, 3, 13, 30, tzinfo=UTC)
    shown = await world.front.client.get(answer.headers["location"])
    assert 'id="done">Votre rendez-vous est réservé.' in shown.text
    assert f"Jeudi 3 décembre 2026, 14 h 30 {DASH} 15 h 15" in untagged(shown.text)


async def test_a_slot_just_taken_says_so_and_shows_fresh_slots(world: AppointmentFront) -> None:
    own_case(world.front)
    await as_beneficiary(world)
    world.appointments.fail_once["book"] = conflict("slot_taken")
    # By the time the page is shown again, the taken slot is gone and another one is free.
    world.appointments.free = [slot("2026-12-03T15:00:00+00:00")]
    answer = await world.front.post(
        "/beneficiary/appointments",
        {
            "modality": "video",
            "kind": "follow_up",
            "from": "2026-11-30",
            "slot": "2026-12-03T13:30:00+00:00|rennes",
        },
    )
    assert answer.status_code == 409
    assert (
        'role="alert" id="error">Votre rendez-vous n&#39;est pas réservé. Ce créneau vient '
        "d&#39;être réservé par quelqu&#39;un d&#39;autre." in answer.text
    )
    assert ">16 h 00<" in answer.text
    assert "2026-12-03T13:30:00+00:00" not in answer.text
    # The fresh slots are read after the refusal, from the page's own first day.
    calls = [name for name, _, _ in world.appointments.calls]
    assert calls.index("slots") > calls.index("book")
    (_, _, _, start, _, _) = world.appointments.called("slots")[-1]
    assert start.date().isoformat() == "2026-11-30"


async def test_a_refused_slot_names_the_field_in_french(world: AppointmentFront) -> None:
    own_case(world.front)
    await as_beneficiary(world)
    world.appointments.fail_once["book"] = invalid("starts_at", "inside_minimum_notice")
    world.appointments.free = [slot("2026-12-03T15:00:00+00:00")]
    answer = await world.front.post(
        "/beneficiary/appointments",
        {"modality": "phone", "kind": "follow_up", "slot": "2026-11-24T08:00:00+00:00|remote"},
    )
    assert answer.status_code == 422
    assert 'id="slot-error">Le créneau choisi est trop proche' in answer.text
    assert "Le créneau choisi est trop proche" in answer.text.split('id="error">', 1)[1]


async def test_a_refused_due_date_keeps_what_was_typed_and_names_the_field(
    world: AppointmentFront,
) -> None:
    own_case(world.front)
    await as_beneficiary(world)
    world.appointments.fail_once["book"] = invalid("starts_at", "beyond_horizon")
    answer = await world.front.post(
        "/beneficiary/appointments",
        {"modality": "asynchronous", "kind": "follow_up", "due_date": "2027-05-10"},
    )
    assert answer.status_code == 422
    text = answer.text
    assert 'id="due_date" name="due_date" value="2027-05-10"' in text
    assert 'aria-invalid="true"' in text
    assert 'id="due_date-error">La date d&#39;échéance est trop lointaine' in text
    ((_, modality, _, starts_at, place),) = world.appointments.called("book")
    assert modality is Modality.ASYNCHRONOUS
    # Due at 18 h in Paris on the chosen day.
    assert starts_at.isoformat() == "2027-05-10T18:00:00+02:00"
    assert place is None


async def test_a_written_exchange_asks_for_a_due_date_not_a_slot(world: AppointmentFront) -> None:
    own_case(world.front)
    await as_beneficiary(world)
    page = await world.front.client.get(
        "/beneficiary/appointments/new/slots",
        params={"modality": "asynchronous", "kind": "follow_up"},
    )
    assert page.status_code == 200
    assert '<input type="date" id="due_date" name="due_date" value="" min="2026-11-24"' in page.text
    assert "Au plus tôt le mardi 24 novembre 2026." in page.text
    assert 'id="book-asynchronous"' in page.text
    assert not world.appointments.called("slots")
    empty = await world.front.post(
        "/beneficiary/appointments", {"modality": "asynchronous", "kind": "follow_up"}
    )
    assert empty.status_code == 422
    assert 'id="due_date-error">Indiquez la date d&#39;échéance' in empty.text
    assert not world.appointments.called("book")


async def test_no_plan_yet_is_explained(world: AppointmentFront) -> None:
    own_case(world.front)
    await as_beneficiary(world)
    world.appointments.fail["slots"] = conflict("no_plan")
    page = await world.front.client.get(
        "/beneficiary/appointments/new/slots", params={"modality": "video", "kind": "follow_up"}
    )
    assert page.status_code == 409
    assert "n&#39;a pas encore publié ses disponibilités" in page.text


# Beneficiary: my appointments ---------------------------------------------------------------


async def test_my_appointments_are_in_french_ahead_then_past(world: AppointmentFront) -> None:
    case = own_case(world.front)
    ahead = appointment(case_id=str(case.case_id))
    past = appointment(
        case_id=str(case.case_id),
        starts_at="2026-11-10T09:00:00Z",
        ends_at="2026-11-10T10:00:00Z",
        status="no_show",
        absent="beneficiary",
        reason="illness",
        kind="first_meeting",
        modality="phone",
        place="remote",
    )
    cancelled = appointment(
        case_id=str(case.case_id), status="cancelled", reason="no_longer_needed"
    )
    world.appointments.add(ahead, past, cancelled)
    await as_beneficiary(world)
    page = await world.front.client.get("/beneficiary/appointments")
    assert page.status_code == 200
    text = page.text
    upcoming = text[text.index('id="upcoming-title"') : text.index('id="past-title"')]
    assert f'id="appointment-{ahead.appointment_id}"' in upcoming
    assert f"Jeudi 3 décembre 2026, 14 h 30 {DASH} 15 h 15" in untagged(upcoming)
    assert "<dd>Sur place</dd>" in upcoming
    assert "<bdi>Rennes</bdi>" in upcoming
    assert '<span class="status booked">Prévu</span>' in upcoming
    assert f'id="move-{ahead.appointment_id}"' in upcoming
    assert f'id="cancel-reason-{ahead.appointment_id}"' in upcoming
    past_part = text[text.index('id="past-title"') :]
    assert "Absence</span> (Bénéficiaire absent, maladie)" in past_part
    assert "Annulé</span> (rendez-vous plus nécessaire)" in past_part
    assert "Téléphone" in past_part
    assert "Premier entretien" in past_part
    assert "jusqu'à 24 heures avant son début" in text
    assert 'id="waitlist-join"' in text
    assert not UUID_TEXT.search(visible_text(text))
    assert "consent-" not in text  # no change waits for an answer


async def test_the_consent_block_appears_only_with_a_pending_change(
    world: AppointmentFront,
) -> None:
    case = own_case(world.front)
    plain_one = appointment(case_id=str(case.case_id))
    proposed = appointment(
        case_id=str(case.case_id),
        starts_at="2026-12-07T09:00:00Z",
        ends_at="2026-12-07T09:45:00Z",
        pending_change={
            "to_modality": "video",
            "requested_by": "manager",
            "requested_at": "2026-11-23T10:00:00Z",
            "closure_id": str(uuid4()),
        },
    )
    world.appointments.add(plain_one, proposed)
    await as_beneficiary(world)
    text = (await world.front.client.get("/beneficiary/appointments")).text
    assert text.count('class="consent"') == 1
    block = text[text.index(f'id="consent-{proposed.appointment_id}"') :]
    block = block[: block.index("</section>")]
    assert "Le lieu d'accueil sera fermé ce jour-là." in block
    assert "tenir ce rendez-vous en visio plutôt que sur place" in block
    assert f'id="consent-accept-video-{proposed.appointment_id}">Accepter en visio<' in block
    assert (
        f'id="consent-accept-phone-{proposed.appointment_id}">Accepter, mais par téléphone<'
        in block
    )
    assert f'id="consent-refuse-kept-{proposed.appointment_id}"' in block
    assert f'id="consent-refuse-cancel-{proposed.appointment_id}"' in block
    assert f"consent-{plain_one.appointment_id}" not in text
    answer = await world.front.post(
        f"/beneficiary/appointments/{proposed.appointment_id}/consent",
        {"choice": "accepted:phone"},
    )
    assert answer.headers["location"] == "/beneficiary/appointments?done=consent_accepted"
    assert world.appointments.called("consent") == [
        (proposed.appointment_id, ConsentAnswer.ACCEPTED, Modality.PHONE)
    ]
    shown = await world.front.client.get(answer.headers["location"])
    assert "le rendez-vous se fera à distance" in shown.text


async def test_a_beneficiary_cannot_give_the_counsellors_phone_answer(
    world: AppointmentFront,
) -> None:
    case = own_case(world.front)
    one = appointment(case_id=str(case.case_id))
    world.appointments.add(one)
    await as_beneficiary(world)
    answer = await world.front.post(
        f"/beneficiary/appointments/{one.appointment_id}/consent",
        {"choice": "accepted_by_phone:video"},
    )
    assert answer.status_code == 422
    assert "Choisissez une réponse parmi les boutons proposés." in answer.text
    assert not world.appointments.called("consent")


async def test_within_24_hours_the_beneficiary_is_told_to_call(world: AppointmentFront) -> None:
    case = own_case(world.front)
    soon = appointment(
        case_id=str(case.case_id),
        starts_at=(NOW + timedelta(hours=3)).isoformat(),
        ends_at=(NOW + timedelta(hours=4)).isoformat(),
    )
    world.appointments.add(soon)
    await as_beneficiary(world)
    page = await world.front.client.get("/beneficiary/appointments")
    assert f'id="policy-{soon.appointment_id}"' in page.text
    assert f'id="cancel-{soon.appointment_id}"' not in page.text
    assert f'id="move-{soon.appointment_id}"' not in page.text
    world.appointments.fail["cancel"] = conflict("inside_policy_window")
    answer = await world.front.post(
        f"/beneficiary/appointments/{soon.appointment_id}/cancel", {"reason": "illness"}
    )
    assert answer.status_code == 409
    assert "moins de 24 heures" in answer.text
    assert "Appelez votre conseiller." in answer.text
    moving = await world.front.client.get(f"/beneficiary/appointments/{soon.appointment_id}/move")
    assert moving.status_code == 409
    assert not world.appointments.called("slots")


async def test_cancelling_sends_the_reason_and_confirms(world: AppointmentFront) -> None:
    case = own_case(world.front)
    one = appointment(case_id=str(case.case_id))
    world.appointments.add(one)
    await as_beneficiary(world)
    answer = await world.front.post(
        f"/beneficiary/appointments/{one.appointment_id}/cancel", {"reason": "illness"}
    )
    assert answer.headers["location"] == "/beneficiary/appointments?done=appointment_cancelled"
    assert world.appointments.called("cancel") == [(one.appointment_id, CancelReason.ILLNESS)]
    staff_only = await world.front.post(
        f"/beneficiary/appointments/{one.appointment_id}/cancel",
        {"reason": "counsellor_unavailable"},
    )
    assert staff_only.status_code == 422
    assert "Choisissez un motif dans la liste." in staff_only.text


async def test_moving_offers_slots_of_the_same_meeting_then_moves(
    world: AppointmentFront,
) -> None:
    case = own_case(world.front)
    one = appointment(case_id=str(case.case_id), modality="video", place="remote")
    world.appointments.add(one)
    world.appointments.free = [slot("2026-12-04T10:00:00+00:00", place="remote")]
    await as_beneficiary(world)
    page = await world.front.client.get(f"/beneficiary/appointments/{one.appointment_id}/move")
    assert page.status_code == 200
    assert (
        f"Rendez-vous actuel : Jeudi 3 décembre 2026, 14 h 30 {DASH} 15 h 15 (À distance)."
        in untagged(page.text)
    )
    assert 'aria-label="Déplacer au vendredi 4 décembre 2026, 11 h 00"' in page.text
    (_, modality, kind, _, _, _) = world.appointments.called("slots")[0]
    assert (modality, kind) == (Modality.VIDEO, AppointmentKind.FOLLOW_UP)
    answer = await world.front.post(
        f"/beneficiary/appointments/{one.appointment_id}/move",
        {"slot": "2026-12-04T10:00:00+00:00|remote"},
    )
    assert answer.headers["location"] == "/beneficiary/appointments?done=appointment_moved"
    assert world.appointments.called("reschedule") == [
        (one.appointment_id, datetime(2026, 12, 4, 10, tzinfo=UTC))
    ]


async def test_the_waitlist_is_joined_and_left(world: AppointmentFront) -> None:
    case = own_case(world.front)
    await as_beneficiary(world)
    joined = await world.front.post("/beneficiary/appointments/waitlist", {"waiting": "yes"})
    assert joined.headers["location"] == "/beneficiary/appointments?done=waitlist_joined"
    left = await world.front.post("/beneficiary/appointments/waitlist", {"waiting": "no"})
    assert left.headers["location"] == "/beneficiary/appointments?done=waitlist_left"
    assert world.appointments.called("set_waitlist") == [
        (case.case_id, True),
        (case.case_id, False),
    ]


async def test_the_beneficiary_home_links_to_appointments(world: AppointmentFront) -> None:
    await as_beneficiary(world)
    page = await world.front.client.get("/beneficiary")
    assert 'href="/beneficiary/appointments/new" id="home-new-appointment"' in page.text
    assert 'href="/beneficiary/appointments" id="home-appointments"' in page.text


# Counsellor: availability -------------------------------------------------------------------


def window_form(rows: list[tuple[str, str, str, str]], **extra: str) -> dict[str, str]:
    form = {
        "time_zone": "Europe/Paris",
        "first_meeting_minutes": "60",
        "follow_up_minutes": "45",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "15",
        "notice_hours": "24",
        "horizon_days": "60",
        "action": "save",
    }
    for i, (weekday, start, end, place) in enumerate(rows):
        form |= {
            f"windows-{i}-weekday": weekday,
            f"windows-{i}-start": start,
            f"windows-{i}-end": end,
            f"windows-{i}-place": place,
        }
    return form | extra


async def test_the_editor_shows_the_plan_sites_and_a_blank_row(world: AppointmentFront) -> None:
    world.appointments.plan_ = Plan(
        time_zone="Europe/Paris",
        windows=(Window(weekday=1, start="09:00", end="12:30", place="rennes"),),
        rules=Rules(notice_hours=48),
    )
    await sign_in(world.front, "counsellor", "c-camille-bernard")
    page = await world.front.client.get("/counsellor/availability")
    assert page.status_code == 200
    text = plain(page.text)
    assert '<option value="1" selected>Mardi</option>' in text
    assert 'id="windows-0-start" name="windows-0-start" value="09:00"' in text
    assert '<option value="rennes" selected>Rennes</option>' in text
    assert '<option value="brest">Brest</option>' in text
    assert '<option value="remote">À distance</option>' in text
    assert "Lorient" not in text  # an inactive site is not offered
    assert "<legend>Nouvelle plage</legend>" in text
    assert 'id="windows-1-start"' in text
    assert 'id="notice_hours" name="notice_hours" value="48"' in text
    assert '<option value="Europe/Paris" selected>' in text
    assert 'id="save-availability"' in text
    assert "<legend>Nouvelle exception</legend>" in text


async def test_a_wrong_row_keeps_every_typed_value_and_names_its_field(
    world: AppointmentFront,
) -> None:
    await sign_in(world.front, "counsellor", "c-camille-bernard")
    form = window_form(
        [("1", "09:00", "12:00", "rennes"), ("3", "11:00", "10:00", "remote"), ("", "", "", "")]
    )
    form["notice_hours"] = "9999"
    answer = await world.front.post("/counsellor/availability", form)
    assert answer.status_code == 422
    text = answer.text
    assert 'id="windows-1-end" name="windows-1-end" value="10:00"' in text
    assert 'id="windows-1-start" name="windows-1-start" value="11:00"' in text
    assert '<option value="3" selected>Jeudi</option>' in text
    assert 'aria-invalid="true" aria-describedby="windows-1-end-error"' in text
    assert (
        'id="windows-1-end-error">L&#39;heure de fin doit être après l&#39;heure de début.' in text
    )
    assert 'id="notice_hours-error">Délai de prévenance : indiquez un nombre entier d' in text
    assert 'value="9999"' in text
    assert "corrigez les champs signalés" in text
    assert not world.appointments.called("save_plan")


async def test_overlapping_windows_are_named_on_the_later_row(world: AppointmentFront) -> None:
    await sign_in(world.front, "counsellor", "c-camille-bernard")
    form = window_form([("0", "09:00", "12:00", "rennes"), ("0", "11:30", "13:00", "remote")])
    answer = await world.front.post("/counsellor/availability", form)
    assert answer.status_code == 422
    assert 'id="windows-1-start-error">Cette plage chevauche une autre plage' in answer.text


async def test_the_services_refusal_is_named_on_the_row_the_page_shows(
    world: AppointmentFront,
) -> None:
    world.appointments.fail_once["save_plan"] = invalid("windows.1.place", "unknown_site")
    await sign_in(world.front, "counsellor", "c-camille-bernard")
    form = window_form(
        [
            ("0", "09:00", "12:00", "rennes"),
            ("1", "09:00", "12:00", "rennes"),
            ("2", "14:00", "17:00", "brest"),
        ],
        **{"windows-0-remove": "yes"},
    )
    answer = await world.front.post("/counsellor/availability", form)
    assert answer.status_code == 422
    # The service's second window is the page's third row: the first was removed.
    assert 'id="windows-2-place-error">Choisissez un lieu de la liste' in answer.text
    assert 'id="windows-0-remove" name="windows-0-remove" value="yes" checked' in answer.text


async def test_saving_sends_kept_rows_rules_and_exceptions_in_the_plans_zone(
    world: AppointmentFront,
) -> None:
    await sign_in(world.front, "counsellor", "c-camille-bernard")
    form = window_form(
        [("4", "14:00", "17:30", "brest"), ("0", "08:00", "09:00", "rennes"), ("", "", "", "")],
        **{
            "windows-1-remove": "yes",
            "exceptions-0-kind": "unavailable",
            "exceptions-0-starts_at": "2026-12-24T00:00",
            "exceptions-0-ends_at": "2027-01-02T00:00",
            "exceptions-0-place": "remote",
            "exceptions-1-kind": "extra",
            "exceptions-1-starts_at": "",
            "exceptions-1-ends_at": "",
            "exceptions-1-place": "remote",
        },
    )
    answer = await world.front.post("/counsellor/availability", form)
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        "/counsellor/availability?done=availability_saved",
    )
    ((plan,),) = world.appointments.called("save_plan")
    assert plan.windows == (Window(weekday=4, start="14:00", end="17:30", place="brest"),)
    assert plan.rules == Rules()
    ((kind, starts_at, ends_at),) = [(e.kind, e.starts_at, e.ends_at) for e in plan.exceptions]
    assert kind is ExceptionKind.UNAVAILABLE
    assert starts_at.astimezone(UTC) == datetime(2026, 12, 23, 23, tzinfo=UTC)
    assert ends_at.astimezone(UTC) == datetime(2027, 1, 1, 23, tzinfo=UTC)
    shown = await world.front.client.get(answer.headers["location"])
    assert "Vos disponibilités sont enregistrées." in shown.text
    assert 'value="2026-12-24T00:00"' in shown.text


async def test_adding_a_row_shows_the_form_again_unsaved(world: AppointmentFront) -> None:
    await sign_in(world.front, "counsellor", "c-camille-bernard")
    form = window_form([("1", "09:00", "12:00", "rennes"), ("", "", "", "remote")])
    form["action"] = "add_window"
    answer = await world.front.post("/counsellor/availability", form)
    assert answer.status_code == 200
    assert 'id="windows-2-start"' in answer.text
    assert 'id="windows-0-start" name="windows-0-start" value="09:00"' in answer.text
    assert "Rien n&#39;est enregistré" in answer.text
    assert not world.appointments.called("save_plan")


# Counsellor: agenda and actions -------------------------------------------------------------


async def test_the_agenda_shows_a_week_in_local_time_across_a_daylight_saving_change(
    world: AppointmentFront,
) -> None:
    case_id = uuid4()
    friday = appointment(
        case_id=str(case_id), starts_at="2027-03-26T08:00:00Z", ends_at="2027-03-26T08:45:00Z"
    )
    sunday_after = appointment(
        case_id=str(case_id),
        starts_at="2027-03-28T08:00:00Z",
        ends_at="2027-03-28T08:45:00Z",
        modality="video",
        place="remote",
        pending_change=None,
    )
    world.appointments.add(friday, sunday_after)
    world.front.intake.items = [caseload_item(case_id=str(case_id), beneficiary_name="Inès Moreau")]
    await sign_in(world.front, "counsellor", "c-camille-bernard")
    page = await world.front.client.get(
        "/counsellor/agenda", params={"view": "week", "date": "2027-03-25"}
    )
    assert page.status_code == 200
    ((start, end),) = world.appointments.called("agenda")
    assert start.isoformat() == "2027-03-22T00:00:00+01:00"
    assert end.isoformat() == "2027-03-29T00:00:00+02:00"
    text = page.text
    assert "Semaine du lundi 22 mars 2027 au dimanche 28 mars 2027" in text
    assert text.count("Aucun rendez-vous.") == 5
    friday_part = text[
        text.index('id="agenda-day-2027-03-26"') : text.index('id="agenda-day-2027-03-27"')
    ]
    assert f"9 h 00 {DASH} 9 h 45" in friday_part
    sunday_part = text[text.index('id="agenda-day-2027-03-28"') :]
    assert f"10 h 00 {DASH} 10 h 45" in sunday_part
    assert f'<a href="/counsellor/cases/{case_id}"><bdi>Inès Moreau</bdi></a>' in text
    # Ahead: move, propose remote (only the other remote modality for a video one), cancel.
    assert f'id="move-{friday.appointment_id}"' in text
    assert f'id="requalify-modality-{friday.appointment_id}"' in text
    sunday_form = text[text.index(f'id="requalify-modality-{sunday_after.appointment_id}"') :]
    assert sunday_form.index('value="phone"') < sunday_form.index("</select>")
    assert 'value="video"' not in sunday_form[: sunday_form.index("</select>")]
    assert f'id="cancel-reason-{friday.appointment_id}"' in text
    assert f'id="held-{friday.appointment_id}"' not in text
    assert 'href="/counsellor/agenda?view=week&amp;date=2027-03-29" id="agenda-next"' in text


async def test_a_started_appointment_can_be_marked_held_or_missed(
    world: AppointmentFront,
) -> None:
    started = appointment(starts_at="2026-11-23T09:00:00Z", ends_at="2026-11-23T09:45:00Z")
    world.appointments.add(started)
    await sign_in(world.front, "counsellor", "c-camille-bernard")
    page = await world.front.client.get(
        "/counsellor/agenda", params={"view": "day", "date": "2026-11-23"}
    )
    text = page.text
    assert f'id="held-{started.appointment_id}"' in text
    assert f'id="absent-beneficiary-{started.appointment_id}"' in text
    assert f'id="absent-counsellor-{started.appointment_id}"' in text
    assert f'id="absent-reason-{started.appointment_id}"' in text
    assert f'id="move-{started.appointment_id}"' not in text
    back = "/counsellor/agenda?view=day&date=2026-11-23"
    missed = await world.front.post(
        f"/counsellor/appointments/{started.appointment_id}/outcome",
        {"outcome": "no_show", "absent": "counsellor", "absent_reason": "emergency", "next": back},
    )
    assert missed.headers["location"] == f"{back}&done=appointment_no_show"
    held = await world.front.post(
        f"/counsellor/appointments/{started.appointment_id}/outcome",
        {"outcome": "held", "next": "https://evil.example/"},
    )
    assert held.headers["location"] == "/counsellor/agenda?done=appointment_held"
    assert world.appointments.called("settle") == [
        (
            started.appointment_id,
            AppointmentStatus.NO_SHOW,
            AbsentParty.COUNSELLOR,
            NoShowReason.EMERGENCY,
        ),
        (started.appointment_id, AppointmentStatus.HELD, None, None),
    ]


async def test_proposing_remote_and_recording_a_phone_answer(world: AppointmentFront) -> None:
    one = appointment()
    world.appointments.add(one)
    await sign_in(world.front, "counsellor", "c-camille-bernard")
    proposed = await world.front.post(
        f"/counsellor/appointments/{one.appointment_id}/requalify",
        {"modality": "video", "next": "/counsellor/agenda"},
    )
    assert proposed.headers["location"] == "/counsellor/agenda?done=remote_proposed"
    assert world.appointments.called("requalify") == [(one.appointment_id, Modality.VIDEO)]
    answered = await world.front.post(
        f"/counsellor/appointments/{one.appointment_id}/consent",
        {"choice": "accepted_by_phone:video", "next": "/counsellor/agenda"},
    )
    assert answered.headers["location"] == "/counsellor/agenda?done=consent_accepted_by_phone"
    assert world.appointments.called("consent") == [
        (one.appointment_id, ConsentAnswer.ACCEPTED_BY_PHONE, Modality.VIDEO)
    ]
    refused = await world.front.post(
        f"/counsellor/appointments/{one.appointment_id}/consent",
        {"choice": "refused_cancelled", "next": "/counsellor/agenda"},
    )
    assert refused.status_code == 422


async def test_a_refused_action_says_why_with_the_way_back(world: AppointmentFront) -> None:
    one = appointment()
    world.appointments.add(one)
    world.appointments.fail["settle"] = conflict("not_started")
    await sign_in(world.front, "counsellor", "c-camille-bernard")
    answer = await world.front.post(
        f"/counsellor/appointments/{one.appointment_id}/outcome",
        {"outcome": "held", "next": "/counsellor/agenda?view=day&date=2026-12-03"},
    )
    assert answer.status_code == 409
    assert "n&#39;a pas encore commencé" in answer.text
    assert 'href="/counsellor/agenda?view=day&amp;date=2026-12-03" id="back"' in answer.text


async def test_the_case_page_lists_its_appointments_and_books_for_the_person(
    world: AppointmentFront,
) -> None:
    case = own_case(world.front)
    one = appointment(case_id=str(case.case_id), modality="phone", place="remote")
    world.appointments.add(one)
    world.appointments.free = [slot("2026-11-24T08:00:00+00:00", place="remote")]
    await sign_in(world.front, "counsellor", "c-camille-bernard")
    page = await world.front.client.get(f"/counsellor/cases/{case.case_id}")
    assert page.status_code == 200
    text = page.text
    assert '<h2 id="appointments">Rendez-vous</h2>' in text
    assert f"Jeudi 3 décembre 2026, 14 h 30 {DASH} 15 h 15" in untagged(text)
    assert "Entretien de suivi · Téléphone · À distance" in text
    assert f'id="cancel-{one.appointment_id}"' in text
    assert 'action="/counsellor/cases/' in text
    assert 'id="book-modality"' in text
    assert 'id="book-kind"' in text
    assert 'id="book-see-slots"' in text
    slots = await world.front.client.get(
        f"/counsellor/cases/{case.case_id}/appointments/new",
        params={"modality": "phone", "kind": "follow_up"},
    )
    assert slots.status_code == 200
    assert "avec <bdi>Inès Moreau</bdi>" in slots.text
    assert ">9 h 00<" in slots.text
    booked = await world.front.post(
        f"/counsellor/cases/{case.case_id}/appointments",
        {"modality": "phone", "kind": "follow_up", "slot": "2026-11-24T08:00:00+00:00|remote"},
    )
    assert booked.headers["location"] == (
        f"/counsellor/cases/{case.case_id}?done=appointment_booked_for#appointments"
    )
    ((_, modality, _, _, place),) = world.appointments.called("book")
    assert (modality, place) == (Modality.PHONE, None)


async def test_the_case_page_survives_the_appointment_service_being_down(
    world: AppointmentFront,
) -> None:
    case = own_case(world.front)
    world.appointments.fail["case_appointments"] = ApiError(503, "down")
    await sign_in(world.front, "counsellor", "c-camille-bernard")
    page = await world.front.client.get(f"/counsellor/cases/{case.case_id}")
    assert page.status_code == 200
    assert "Les rendez-vous de ce dossier sont momentanément indisponibles." in page.text


async def test_the_counsellor_home_links_agenda_and_availability(world: AppointmentFront) -> None:
    await sign_in(world.front, "counsellor", "c-camille-bernard")
    page = await world.front.client.get("/counsellor")
    assert 'href="/counsellor/agenda" id="home-agenda"' in page.text
    assert 'href="/counsellor/availability" id="home-availability"' in page.text


# Manager: site closures ---------------------------------------------------------------------


async def test_the_closures_list_shows_progress_and_the_form(world: AppointmentFront) -> None:
    running = closure()
    world.appointments.closures_ = [running, closure(status="done", total=0, processed=0)]
    await sign_in(world.front, "manager", "m-anne-durand")
    page = await world.front.client.get("/manager/site-closures")
    assert page.status_code == 200
    text = plain(page.text)
    assert f'<progress id="closure-progress-{running.closure_id}" max="30" value="12"' in text
    assert '<span class="progress-text">12 / 30</span>' in text
    assert "En cours d&#39;application" in text
    assert "Terminée" in text
    assert "Aucun rendez-vous sur place concerné" in text
    assert "du lundi 7 décembre 2026, 8 h 00 au vendredi 11 décembre 2026, 19 h 00" in untagged(
        text
    )
    assert '<option value="rennes">Rennes</option>' in text
    assert 'id="starts_at" name="starts_at"' in text
    assert 'id="to_modality-video"' in text
    assert 'id="to_modality-phone"' in text
    assert 'id="close-site"' in text
    # The form page does not reload itself (it would wipe what is being typed).
    assert 'http-equiv="refresh"' not in text


async def test_a_closure_is_recorded_then_followed_on_a_page_that_refreshes(
    world: AppointmentFront,
) -> None:
    await sign_in(world.front, "manager", "m-anne-durand")
    answer = await world.front.post(
        "/manager/site-closures",
        {
            "site": "rennes",
            "starts_at": "2026-12-07T08:00",
            "ends_at": "2026-12-11T19:00",
            "to_modality": "phone",
        },
    )
    assert answer.status_code == 303
    ((site, starts_at, ends_at, modality),) = world.appointments.called("close_site")
    assert (site, modality) == ("rennes", Modality.PHONE)
    assert starts_at.astimezone(UTC) == datetime(2026, 12, 7, 7, tzinfo=UTC)
    assert ends_at.astimezone(UTC) == datetime(2026, 12, 11, 18, tzinfo=UTC)
    made = world.appointments.closures_[0]
    assert answer.headers["location"] == (
        f"/manager/site-closures/{made.closure_id}?done=closure_started"
    )
    page = await world.front.client.get(answer.headers["location"])
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert 'id="closure-progress-text">0 / 30<' in page.text
    assert "La fermeture est enregistrée" in page.text
    assert 'id="stop-refresh"' in page.text
    stopped = await world.front.client.get(
        f"/manager/site-closures/{made.closure_id}", params={"refresh": "no"}
    )
    assert 'http-equiv="refresh"' not in stopped.text
    world.appointments.closures_[0] = made.model_copy(update={"status": "done", "processed": 30})
    done = await world.front.client.get(f"/manager/site-closures/{made.closure_id}")
    assert 'http-equiv="refresh"' not in done.text
    assert "30 / 30" in done.text


async def test_a_refused_closure_keeps_the_values_and_names_the_field(
    world: AppointmentFront,
) -> None:
    await sign_in(world.front, "manager", "m-anne-durand")
    form = {
        "site": "rennes",
        "starts_at": "2026-12-11T19:00",
        "ends_at": "2026-12-07T08:00",
        "to_modality": "phone",
    }
    answer = await world.front.post("/manager/site-closures", form)
    assert answer.status_code == 422
    text = plain(answer.text)
    assert '<option value="rennes" selected>Rennes</option>' in text
    assert 'value="2026-12-11T19:00"' in text
    assert 'value="2026-12-07T08:00"' in text
    assert (
        re.search(r'id="to_modality-phone"\s+checked', text)
        or 'id="to_modality-phone" checked' in text
    )
    assert 'id="ends_at-error">La fin de la fermeture doit être après son début.' in text
    assert not world.appointments.called("close_site")
    world.appointments.fail_once["close_site"] = conflict("closure_running")
    form["ends_at"] = "2026-12-12T19:00"
    running = await world.front.post("/manager/site-closures", form)
    assert running.status_code == 409
    assert "déjà en cours d&#39;application" in running.text
    assert 'value="2026-12-12T19:00"' in running.text


async def test_the_manager_home_links_to_site_closures(world: AppointmentFront) -> None:
    world.front.reporting.board = sample_board()
    await sign_in(world.front, "manager", "m-anne-durand")
    page = await world.front.client.get("/manager")
    assert 'href="/manager/site-closures" id="home-site-closures"' in page.text


# Every form needs its session's token --------------------------------------------------------


async def test_every_appointment_form_refuses_a_post_without_the_form_token(
    world: AppointmentFront,
) -> None:
    case = own_case(world.front)
    one = appointment(case_id=str(case.case_id))
    world.appointments.add(one)
    beneficiary_posts = [
        ("/beneficiary/appointments", {"modality": "video", "kind": "follow_up", "slot": "x"}),
        (f"/beneficiary/appointments/{one.appointment_id}/cancel", {"reason": "illness"}),
        (f"/beneficiary/appointments/{one.appointment_id}/consent", {"choice": "refused_kept"}),
        (f"/beneficiary/appointments/{one.appointment_id}/move", {"slot": "x"}),
        ("/beneficiary/appointments/waitlist", {"waiting": "yes"}),
    ]
    await as_beneficiary(world)
    for path, data in beneficiary_posts:
        answer = await world.front.client.post(path, data={**data, "form_token": "forged"})
        assert answer.status_code == 403, path
        assert "Ce formulaire a expiré" in answer.text
    staff = build_appointment_front()
    staff.appointments.add(one)
    await sign_in(staff.front, "counsellor", "c-camille-bernard")
    counsellor_posts = [
        "/counsellor/availability",
        f"/counsellor/cases/{case.case_id}/appointments",
        f"/counsellor/appointments/{one.appointment_id}/outcome",
        f"/counsellor/appointments/{one.appointment_id}/requalify",
        f"/counsellor/appointments/{one.appointment_id}/consent",
        f"/counsellor/appointments/{one.appointment_id}/cancel",
        f"/counsellor/appointments/{one.appointment_id}/move",
    ]
    for path in counsellor_posts:
        answer = await staff.front.client.post(path, data={"outcome": "held"})
        assert answer.status_code == 403, path
    manager = build_appointment_front()
    await sign_in(manager.front, "manager", "m-anne-durand")
    answer = await manager.front.client.post("/manager/site-closures", data={"site": "rennes"})
    assert answer.status_code == 403
    for fake in (world.appointments, staff.appointments, manager.appointments):
        writes = {"book", "cancel", "consent", "reschedule", "set_waitlist", "save_plan"}
        writes |= {"settle", "requalify", "close_site"}
        assert not [name for name, _, _ in fake.calls if name in writes]


async def test_each_persona_reaches_only_its_own_appointment_pages(
    world: AppointmentFront,
) -> None:
    await sign_in(world.front, "counsellor", "c-camille-bernard")
    for path in ("/beneficiary/appointments", "/manager/site-closures"):
        assert (await world.front.client.get(path)).status_code == 403, path
    anonymous = build_appointment_front()
    answer = await anonymous.front.client.get("/counsellor/agenda")
    assert answer.headers["location"] == "/counsellor/sign-in"


async def test_without_the_appointment_service_the_pages_say_it_is_unavailable() -> None:
    from tests.unit.web_fakes import build_front

    front = build_front()
    await sign_in(front, "counsellor", "c-camille-bernard")
    page = await front.client.get("/counsellor/agenda")
    assert page.status_code == 503
    assert "momentanément indisponible" in page.text


# Labels and formats --------------------------------------------------------------------------


def test_every_appointment_code_has_a_french_label() -> None:
    from web.application.appointment_views import ClosureStatus
    from web.entrypoints import labels
    from web.entrypoints.appointment_pages import APPOINTMENT_FILTERS

    shown: tuple[type[StrEnum], ...] = (
        AppointmentKind,
        AppointmentStatus,
        CancelReason,
        NoShowReason,
        AbsentParty,
        ConsentAnswer,
        ExceptionKind,
        ClosureStatus,
        *APPOINTMENT_FILTERS.values(),
    )
    for enum in shown:
        for member in enum:
            assert labels.ENUM_LABELS[enum].get(member), f"{enum.__name__}.{member.name}"
    for modality in Modality:
        assert labels.APPOINTMENT_MODALITY[modality]
        assert labels.APPOINTMENT_MODALITY_HINT[modality]
        assert labels.APPOINTMENT_MODALITY_PHRASE[modality]
    assert [labels.appointment_modality(m) for m in Modality] == [
        "Sur place",
        "Téléphone",
        "Visio",
        "Échange écrit",
    ]
    assert labels.appointment_modality("teleportation") == "Autre"
    assert labels.place("remote", {}) == "À distance"
    assert labels.place("rennes", {"rennes": "Rennes"}) == "Rennes"
    for done in ("appointment_booked", "availability_saved", "closure_started"):
        assert labels.DONE[done]
    for answer in ConsentAnswer:
        assert labels.DONE[f"consent_{answer.value}"]


def test_moments_are_french_in_paris_time_across_daylight_saving() -> None:
    from web.entrypoints.formatting import french_day, french_moment, french_time

    assert french_moment(datetime(2026, 12, 1, 13, 30, tzinfo=UTC)) == (
        "mardi 1er décembre 2026, 14 h 30"
    )
    assert french_moment(datetime(2027, 3, 27, 8, 0, tzinfo=UTC)) == "samedi 27 mars 2027, 9 h 00"
    assert french_moment(datetime(2027, 3, 29, 8, 0, tzinfo=UTC)) == "lundi 29 mars 2027, 10 h 00"
    assert french_time(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)) == "2 h 30"
    assert french_time(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == "2 h 30"
    assert french_day(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "vendredi 1er janvier 2027"
    assert french_moment(None) == "—"


async def test_an_action_goes_back_to_the_case_section_it_came_from(
    world: AppointmentFront,
) -> None:
    one = appointment(starts_at="2026-11-23T09:00:00Z", ends_at="2026-11-23T09:45:00Z")
    world.appointments.add(one)
    await sign_in(world.front, "counsellor", "c-camille-bernard")
    path = f"/counsellor/appointments/{one.appointment_id}/outcome"
    back = f"/counsellor/cases/{one.case_id}#appointments"
    answer = await world.front.post(path, {"outcome": "held", "next": back})
    assert answer.headers["location"] == (
        f"/counsellor/cases/{one.case_id}?done=appointment_held#appointments"
    )
    again = await world.front.post(
        path, {"outcome": "held", "next": "/counsellor/agenda?view=day&done=closed"}
    )
    assert again.headers["location"] == "/counsellor/agenda?view=day&done=appointment_held"
    for elsewhere in ("//evil.example/counsellor", "/beneficiary/appointments", "/counsellor/../x"):
        moved = await world.front.post(path, {"outcome": "held", "next": elsewhere})
        assert moved.headers["location"] == "/counsellor/agenda?done=appointment_held", elsewhere


async def test_a_face_to_face_appointment_moves_within_its_site(world: AppointmentFront) -> None:
    case = own_case(world.front)
    one = appointment(case_id=str(case.case_id), place="brest")
    world.appointments.add(one)
    world.appointments.free = [
        slot("2026-12-04T10:00:00+00:00", place="rennes"),
        slot("2026-12-04T13:00:00+00:00", place="brest"),
    ]
    await as_beneficiary(world)
    page = await world.front.client.get(f"/beneficiary/appointments/{one.appointment_id}/move")
    assert "2026-12-04T13:00:00+00:00|brest" in page.text
    assert "2026-12-04T10:00:00+00:00|rennes" not in page.text

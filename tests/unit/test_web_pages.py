"""The web front's pages over fakes: personas, forms, French labels, actions and their flashes."""

from __future__ import annotations

import re
from uuid import UUID, uuid4

import jwt
import pytest

from jalon_shared.access import Role
from jalon_shared.auth import TokenIssuer, generate_key_pair
from jalon_shared.events.vocabulary import CloseReason, RequestOutcome, ServiceLevel
from jalon_shared.settings import TOKEN_AUDIENCE, TOKEN_ISSUER
from tests.unit.web_dashboard_samples import sample_board
from tests.unit.web_fakes import (
    Front,
    build_front,
    case_details,
    caseload_item,
    counsellor,
    sign_in,
    sign_in_beneficiary,
)
from web.application.errors import ApiError, FieldError
from web.application.views import (
    CaseloadAlerts,
    OwnData,
    SubmittedRequest,
)
from web.entrypoints.counsellor import PAGE_SIZE
from web.entrypoints.session import COOKIE

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def plain(html: str) -> str:
    """Return the page without the Unicode isolates around names in titles and options."""
    return html.replace("\u2068", "").replace("\u2069", "")


def visible_text(html: str) -> str:
    """Return what a reader sees: the text outside tags and attributes."""
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
async def front() -> Front:
    return build_front()


# Sessions and personas ---------------------------------------------------------------------


async def test_staff_sign_in_sets_a_strict_http_only_cookie_of_fifteen_minutes(
    front: Front,
) -> None:
    answer = await sign_in(front, "counsellor", "c-camille-bernard")
    assert (answer.status_code, answer.headers["location"]) == (303, "/counsellor")
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    token = front.client.cookies[COOKIE]
    principal = front.verifier.verify(token)
    assert (principal.sub, principal.role) == ("c-camille-bernard", Role.COUNSELLOR)
    assert (principal.region, principal.site) == ("bretagne", "rennes")
    assert principal.jti
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 15 * 60


async def test_each_persona_reaches_only_its_own_pages(front: Front) -> None:
    await sign_in(front, "counsellor", "c-camille-bernard")
    for path in ("/manager", "/beneficiary", "/beneficiary/export"):
        answer = await front.client.get(path)
        assert answer.status_code == 403, path
        assert "pas accessible avec votre compte" in answer.text
        assert 'href="/counsellor"' in answer.text
    refused = await front.post("/beneficiary/erase", {"confirm": "yes"})
    assert refused.status_code == 403
    assert not front.intake.called("erase_own_data")
    beneficiary = build_front()
    await sign_in_beneficiary(beneficiary, "someone@example.org")
    for path in ("/counsellor", "/manager", f"/counsellor/cases/{uuid4()}"):
        assert (await beneficiary.client.get(path)).status_code == 403, path


async def test_a_staff_password_does_not_open_another_persona(front: Front) -> None:
    answer = await sign_in(front, "counsellor", "m-anne-durand")
    assert answer.status_code == 401
    assert COOKIE not in front.client.cookies
    assert "Identifiant ou mot de passe incorrect" in answer.text
    assert 'value="m-anne-durand"' in answer.text


async def test_without_a_session_pages_send_to_their_sign_in(front: Front) -> None:
    for path, target in (
        ("/counsellor", "/counsellor/sign-in"),
        ("/manager", "/manager/sign-in"),
        ("/beneficiary", "/beneficiary/sign-in"),
        (f"/counsellor/cases/{uuid4()}", "/counsellor/sign-in"),
    ):
        answer = await front.client.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, target), path
    answer = await front.client.post("/beneficiary/request", data={})
    assert (answer.status_code, answer.headers["location"]) == (303, "/beneficiary/sign-in")
    assert 'action="/counsellor/sign-in"' in (await front.client.get("/counsellor/sign-in")).text
    assert 'action="/beneficiary/code"' in (await front.client.get("/beneficiary/sign-in")).text
    assert front.intake.calls == []


async def test_a_token_signed_by_another_key_is_no_session(front: Front) -> None:
    stranger, _ = generate_key_pair()
    forged = TokenIssuer(stranger, issuer=TOKEN_ISSUER, audience=TOKEN_AUDIENCE).mint(
        "m-anne-durand", Role.MANAGER, region="bretagne"
    )
    front.client.cookies.set(COOKIE, forged)
    answer = await front.client.get("/manager")
    assert answer.headers["location"] == "/manager/sign-in"
    assert front.reporting.calls == []


async def test_the_header_names_the_staff_member_not_their_id(front: Front) -> None:
    await sign_in(front, "counsellor", "c-camille-bernard")
    page = await front.client.get("/counsellor")
    assert "Connecté : <bdi>Camille Bernard</bdi>" in page.text
    assert "c-camille-bernard" not in page.text


async def test_signing_out_revokes_the_token_until_it_expires(front: Front) -> None:
    await sign_in(front, "manager", "m-anne-durand")
    token = front.client.cookies[COOKIE]
    jti = front.verifier.verify(token).jti
    answer = await front.post("/sign-out")
    assert (answer.status_code, answer.headers["location"]) == (303, "/?done=signed_out")
    assert COOKIE not in front.client.cookies
    assert f"jti:{jti}" in front.revocations.revoked
    # The old cookie, replayed, is no session any more.
    front.client.cookies.set(COOKIE, token)
    replayed = await front.client.get("/manager")
    assert replayed.headers["location"] == "/manager/sign-in"
    home = await front.client.get("/?done=signed_out")
    assert "Vous êtes déconnecté." in home.text


# Beneficiary -------------------------------------------------------------------------------


async def test_the_code_page_says_sent_only_when_it_was_sent(front: Front) -> None:
    front.mailer.down = True
    failed = await front.client.post("/beneficiary/code", data={"email": "Lea@example.org"})
    assert failed.status_code == 503
    assert "n&#39;a pas pu être envoyé" in failed.text
    assert 'value="Lea@example.org"' in failed.text
    assert "envoyé à" not in failed.text
    assert front.accounts.codes == {}
    front.mailer.down = False
    sent = await front.client.post("/beneficiary/code", data={"email": "Lea@example.org"})
    assert sent.status_code == 200
    assert "vient d'être envoyé à <bdi>Lea@example.org</bdi>" in sent.text
    # The code travels by email only, never on the page.
    assert front.mailer.sent[-1][1] not in sent.text


async def test_a_bad_email_is_explained_beside_the_field_and_kept(front: Front) -> None:
    answer = await front.client.post("/beneficiary/code", data={"email": "pas-une-adresse"})
    assert answer.status_code == 422
    assert 'value="pas-une-adresse"' in answer.text
    assert 'aria-invalid="true" aria-describedby="email-error"' in answer.text
    assert 'id="email-error">Indiquez une adresse électronique valide' in answer.text
    assert front.mailer.sent == []


async def test_a_wrong_code_keeps_the_email_and_explains(front: Front) -> None:
    await front.client.post("/beneficiary/code", data={"email": "a@example.org"})
    wrong = "000000" if front.mailer.sent[-1][1] != "000000" else "111111"
    answer = await front.client.post(
        "/beneficiary/verify", data={"email": "a@example.org", "code": wrong}
    )
    assert answer.status_code == 401
    assert 'name="email" value="a@example.org"' in answer.text
    assert "Code incorrect ou expiré" in answer.text


async def test_the_form_offers_regions_then_sites_by_region_and_the_sign_in_email(
    front: Front,
) -> None:
    await sign_in_beneficiary(front, "lea@example.org")
    page = await front.client.get("/beneficiary")
    assert page.status_code == 200
    text = plain(page.text)
    assert '<option value="bretagne">Bretagne</option>' in text
    assert '<optgroup label="Bretagne">' in text
    assert '<optgroup label="Normandie">' in text
    assert '<option value="le-havre">Le Havre</option>' in text
    assert "Lorient" not in page.text  # an inactive site is not offered
    assert 'id="email" name="email" type="email" value="lea@example.org"' in page.text
    assert '<option value="job_seeker">Demandeur d&#39;emploi</option>' in page.text


async def test_the_request_reaches_intake_with_the_users_token_and_is_confirmed(
    front: Front,
) -> None:
    front.intake.submitted = SubmittedRequest(
        request_id=uuid4(),
        case_id=uuid4(),
        outcome=RequestOutcome.CASE_OPENED,
        counsellor_assigned=True,
    )
    account = await sign_in_beneficiary(front, "lea@example.org")
    form = {
        "first_name": "Léa",
        "last_name": "Petit",
        "email": "lea@example.org",
        "phone": "",
        "employment_situation": "employed",
        "csp": "employe",
        "region": "bretagne",
        "site": "rennes",
        "topics": ["vae", "reconversion"],
        "modalities": ["phone"],
        "accessibility": ["no_equipment"],
        "languages": ["fr", "ar"],
        "service_level": "accompagnement_personnalise",
        "consent": "yes",
    }
    answer = await front.post("/beneficiary/request", form)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/beneficiary?done=request_case_opened_assigned"
    ((body,),) = front.intake.called("submit_request")
    assert body["languages"] == ["fr", "ar"]
    assert body["topics"] == ["vae", "reconversion"]
    assert body["service_level"] == "accompagnement_personnalise"
    assert body["consent"] == {"accepted": True, "text_version": "2026-01"}
    assert body["phone"] is None
    token = front.intake.calls[-1][1]
    assert front.verifier.verify(token).sub == str(account.beneficiary_id)
    shown = await front.client.get(answer.headers["location"])
    assert "Un conseiller vous a été attribué" in shown.text


async def test_a_refused_form_keeps_every_value_and_explains_each_field(front: Front) -> None:
    front.intake.fail["submit_request"] = ApiError(
        422,
        "invalid request",
        (
            FieldError("phone", "string_pattern_mismatch"),
            FieldError("site", "site_outside_region"),
            FieldError("consent.accepted", "value_error"),
        ),
    )
    await sign_in_beneficiary(front, "lea@example.org")
    form = {
        "first_name": "Inès",
        "last_name": "Moreau",
        "email": "ines@example.org",
        "phone": "pas un numéro",
        "preferred_channel": "sms",
        "employment_situation": "job_seeker",
        "csp": "ouvrier",
        "region": "normandie",
        "site": "rennes",
        "need": "Devenir soudeuse",
        "topics": ["vae"],
        "modalities": ["video", "phone"],
        "availability": "le lundi",
        "accessibility": ["disability"],
        "languages": ["ar"],
        "service_level": "accompagnement_personnalise",
    }
    answer = await front.post("/beneficiary/request", form)
    assert answer.status_code == 422
    text = answer.text
    for value in ("Inès", "Moreau", "ines@example.org", "pas un numéro", "le lundi"):
        assert f'value="{value}"' in text, value
    assert ">Devenir soudeuse</textarea>" in text
    assert '<option value="sms" selected>' in text
    assert '<option value="ouvrier" selected>' in text
    assert '<option value="normandie" selected>' in text
    assert '<option value="accompagnement_personnalise" selected>' in text
    for name, value in (("topics", "vae"), ("modalities", "video"), ("languages", "ar")):
        assert f'name="{name}" value="{value}" checked' in text
    assert 'name="topics" value="reconversion" checked' not in text
    assert 'id="phone" name="phone"' in text
    assert 'aria-invalid="true" aria-describedby="phone-error"' in text
    assert 'id="phone-error">Indiquez un numéro de téléphone valide' in text
    assert "site-error" in text
    assert "pas dans la région choisie" in text
    assert 'id="consent-error">Cochez la case' in text
    assert "corrigez les champs signalés" in text


async def test_another_persons_email_is_explained_without_saying_whose(front: Front) -> None:
    front.intake.fail["submit_request"] = ApiError(
        409, "contact in use", (FieldError("email", "contact_in_use"),)
    )
    await sign_in_beneficiary(front, "lea@example.org")
    answer = await front.post("/beneficiary/request", {"email": "other@example.org"})
    assert answer.status_code == 409
    assert "déjà celle d&#39;une autre personne" in answer.text
    assert 'value="other@example.org"' in answer.text


async def test_the_space_lists_own_cases_in_french_and_prefills_known_details(
    front: Front,
) -> None:
    case = case_details()
    front.intake.cases[case.case_id] = case
    front.intake.own = OwnData.model_validate(
        {
            "beneficiary": case.beneficiary.model_dump() if case.beneficiary else None,
            "cases": [
                {
                    "case_id": str(case.case_id),
                    "opened_at": "2026-11-20T08:30:00Z",
                    "status": "in_progress",
                    "service_level": "accueil_individualise",
                }
            ],
        }
    )
    await sign_in_beneficiary(front, "ines.moreau@example.org")
    page = await front.client.get("/beneficiary")
    assert 'id="my-cases"' in page.text
    for shown in ("20 novembre 2026", "Rennes", "Accueil individualisé", "En cours"):
        assert shown in page.text
    assert "<bdi>Camille Bernard</bdi>" in page.text
    assert 'id="first_name" name="first_name" value="Inès"' in page.text
    assert not UUID_TEXT.search(visible_text(page.text))


async def test_a_missing_reference_list_disables_the_form_with_a_reason(front: Front) -> None:
    front.intake.fail["regions"] = ApiError(503, "down")
    await sign_in_beneficiary(front, "lea@example.org")
    page = await front.client.get("/beneficiary")
    assert page.status_code == 200
    assert "formulaire est momentanément indisponible" in page.text
    assert 'action="/beneficiary/request"' not in page.text


async def test_erasure_needs_the_box_then_forgets_the_account_and_its_sessions(
    front: Front,
) -> None:
    account = await sign_in_beneficiary(front, "zoe@example.org")
    token = front.client.cookies[COOKIE]
    unconfirmed = await front.post("/beneficiary/erase", {})
    assert unconfirmed.status_code == 422
    assert 'id="confirm-error">Cochez cette case' in unconfirmed.text
    assert not front.intake.called("erase_own_data")
    confirmed = await front.post("/beneficiary/erase", {"confirm": "yes"})
    assert (confirmed.status_code, confirmed.headers["location"]) == (303, "/?done=erased")
    assert len(front.intake.called("erase_own_data")) == 1
    assert "zoe@example.org" not in front.accounts.beneficiaries
    assert f"sub:{account.beneficiary_id}" in front.revocations.revoked
    front.client.cookies.set(COOKIE, token)
    assert (await front.client.get("/beneficiary")).status_code == 303


async def test_the_export_is_a_download_of_intakes_answer(front: Front) -> None:
    front.intake.export = {"beneficiary": {"first_name": "Zoé"}, "cases": []}
    await sign_in_beneficiary(front, "zoe@example.org")
    answer = await front.client.get("/beneficiary/export")
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert answer.json() == front.intake.export


# Counsellor --------------------------------------------------------------------------------


async def test_the_case_page_shows_the_person_and_the_request_in_french(front: Front) -> None:
    case = case_details()
    front.intake.cases[case.case_id] = case
    await sign_in(front, "counsellor", "c-camille-bernard")
    page = await front.client.get(f"/counsellor/cases/{case.case_id}")
    assert page.status_code == 200
    text = page.text
    for shown in (
        "<bdi>Inès Moreau</bdi>",
        "<bdi>ines.moreau@example.org</bdi>",
        "<bdi>06 12 34 56 78</bdi>",
        "Téléphone</dd>",  # preferred channel
        "Demandeur d&#39;emploi",
        "Ouvrier",
        "Je voudrais devenir soudeuse.",
        "VAE (validation des acquis de l&#39;expérience), Reconversion",
        "Par téléphone, En face-à-face",
        "le lundi matin",
        "Pas d&#39;ordinateur ni de smartphone",
        "Français, Arabe",
        "20 novembre 2026 à 9 h 30",  # 08:30 UTC is 09:30 in Paris in November
        "23 novembre 2026 à 14 h 05",
        "Dossier ouvert, attribué à <bdi>Camille Bernard</bdi> (par le bénéficiaire)",
    ):
        assert shown in text, shown
    assert not UUID_TEXT.search(visible_text(text))
    assert "c-camille-bernard" not in visible_text(text)


async def test_handing_over_offers_the_regions_counsellors_with_their_load(front: Front) -> None:
    case = case_details()
    front.intake.cases[case.case_id] = case
    front.intake.directory = [
        counsellor("c-camille-bernard", "Camille Bernard"),
        counsellor("c-yann-le-goff", "Yann Le Goff", site="brest", open_cases=20, capacity=20),
        counsellor("c-louise-martin", "Louise Martin", open_cases=12, capacity=30),
        counsellor("c-away", "Absent Conseiller", active=False),
    ]
    await sign_in(front, "counsellor", "c-camille-bernard")
    page = await front.client.get(f"/counsellor/cases/{case.case_id}")
    options = re.findall(r'<option value="(c-[^"]+)">([^<]+)</option>', plain(page.text))
    assert options == [
        ("c-louise-martin", "Louise Martin — Rennes — 12/30"),
        ("c-yann-le-goff", "Yann Le Goff — Brest — 20/20 (complet)"),
    ]
    answer = await front.post(
        f"/counsellor/cases/{case.case_id}/reassign", {"to_counsellor_id": "c-louise-martin"}
    )
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        "/counsellor?done=reassigned",
    )
    assert front.intake.called("reassign") == [(case.case_id, "c-louise-martin")]
    assert (
        "Le dossier a été transféré."
        in (await front.client.get("/counsellor?done=reassigned")).text
    )


async def test_handing_over_without_a_choice_is_explained_beside_the_list(front: Front) -> None:
    case = case_details()
    front.intake.cases[case.case_id] = case
    front.intake.directory = [counsellor("c-louise-martin", "Louise Martin")]
    await sign_in(front, "counsellor", "c-camille-bernard")
    answer = await front.post(f"/counsellor/cases/{case.case_id}/reassign", {})
    assert answer.status_code == 422
    assert 'id="to_counsellor_id-error">Choisissez un conseiller' in answer.text
    assert not front.intake.called("reassign")


async def test_closing_needs_the_confirmation_box(front: Front) -> None:
    case = case_details()
    front.intake.cases[case.case_id] = case
    await sign_in(front, "counsellor", "c-camille-bernard")
    path = f"/counsellor/cases/{case.case_id}/close"
    unconfirmed = await front.post(path, {"reason": "no_response"})
    assert unconfirmed.status_code == 422
    assert 'id="confirm-error">Cochez cette case pour confirmer la clôture.' in unconfirmed.text
    assert '<option value="no_response" selected>' in unconfirmed.text
    assert not front.intake.called("close")
    confirmed = await front.post(path, {"reason": "no_response", "confirm": "yes"})
    assert confirmed.headers["location"] == f"/counsellor/cases/{case.case_id}?done=closed"
    assert front.intake.called("close") == [(case.case_id, CloseReason.NO_RESPONSE)]
    shown = await front.client.get(confirmed.headers["location"])
    assert 'id="done">Le dossier a été clos.' in shown.text


async def test_requalifying_confirms_the_change(front: Front) -> None:
    case = case_details()
    front.intake.cases[case.case_id] = case
    await sign_in(front, "counsellor", "c-camille-bernard")
    answer = await front.post(
        f"/counsellor/cases/{case.case_id}/service-level",
        {"service_level": "accompagnement_personnalise"},
    )
    assert answer.headers["location"].endswith("?done=level_changed")
    assert front.intake.called("change_service_level") == [
        (case.case_id, ServiceLevel.ACCOMPAGNEMENT_PERSONNALISE)
    ]


async def test_possible_duplicates_are_shown_with_confirm_and_reject(front: Front) -> None:
    duplicate_id = uuid4()
    case = case_details(
        possible_duplicates=[
            {
                "request_id": str(duplicate_id),
                "submitted_at": "2026-11-22T10:00:00Z",
                "matched_on": ["phone"],
                "first_name": "Ines",
                "last_name": "Moreau",
                "email": "i.moreau@example.org",
                "phone": "06 12 34 56 78",
                "need": "Formation",
                "status": "pending",
            }
        ]
    )
    front.intake.cases[case.case_id] = case
    await sign_in(front, "counsellor", "c-camille-bernard")
    page = await front.client.get(f"/counsellor/cases/{case.case_id}")
    assert "Demandes en double possibles (1)" in page.text
    assert "même téléphone" in page.text
    base = f"/counsellor/cases/{case.case_id}/duplicates/{duplicate_id}"
    assert f'action="{base}/confirm"' in page.text
    assert f'action="{base}/reject"' in page.text
    confirmed = await front.post(f"{base}/confirm")
    assert confirmed.headers["location"].endswith("?done=duplicate_confirmed")
    rejected = await front.post(f"{base}/reject")
    assert rejected.headers["location"].endswith("?done=duplicate_rejected")
    assert front.intake.called("confirm_duplicate") == [(case.case_id, duplicate_id)]
    assert front.intake.called("reject_duplicate") == [(case.case_id, duplicate_id)]
    assert (await front.post(f"{base}/merge")).status_code == 404


async def test_an_action_intake_refuses_is_explained_on_the_case(front: Front) -> None:
    case = case_details()
    front.intake.cases[case.case_id] = case
    front.intake.fail["change_service_level"] = ApiError(409, "already at this level")
    await sign_in(front, "counsellor", "c-camille-bernard")
    answer = await front.post(
        f"/counsellor/cases/{case.case_id}/service-level",
        {"service_level": "accueil_individualise"},
    )
    assert answer.status_code == 409
    assert "Action non effectuée" in answer.text
    assert "already" not in answer.text  # intake's English reason is not shown


async def test_the_caseload_passes_filters_pages_and_shows_french_labels(front: Front) -> None:
    front.intake.items = [
        caseload_item(pending_duplicates=2, alerts=["not_contacted"], site_label="Rennes")
    ] * (PAGE_SIZE * 2 + 1)
    await sign_in(front, "counsellor", "c-camille-bernard")
    query = {"status": "opened", "service_level": "", "site": "rennes", "order": "asc"}
    answer = await front.client.get("/counsellor", params={**query, "offset": PAGE_SIZE})
    filters, limit, offset = front.intake.called("caseload")[-1]
    assert filters.query() == {
        "status": "opened",
        "site": "rennes",
        "sort": "opened_at",
        "order": "asc",
    }
    assert (limit, offset) == (PAGE_SIZE + 1, PAGE_SIZE)
    assert answer.text.count('href="/counsellor/cases/') == PAGE_SIZE
    assert 'rel="next"' in answer.text
    assert 'rel="prev"' in answer.text
    assert '<select id="site" name="site">' in answer.text
    assert '<option value="rennes" selected>Rennes</option>' in plain(answer.text)
    assert "2 doublons à examiner" in answer.text
    assert "Premier contact en retard" in answer.text
    assert 'data-label="Statut">Ouvert</td>' in answer.text
    assert "20 novembre 2026" in answer.text


async def test_caseload_and_alerts_fail_on_their_own(front: Front) -> None:
    front.intake.fail["caseload"] = ApiError(503, "down")
    front.intake.alerts = CaseloadAlerts.model_validate(
        {"not_contacted": [caseload_item(beneficiary_name="Léa Petit").model_dump(mode="json")]}
    )
    await sign_in(front, "counsellor", "c-camille-bernard")
    page = await front.client.get("/counsellor")
    assert page.status_code == 200
    assert "Le portefeuille est momentanément indisponible" in page.text
    assert "<bdi>Léa Petit</bdi>" in page.text


async def test_an_unknown_filter_gets_a_french_page(front: Front) -> None:
    await sign_in(front, "counsellor", "c-camille-bernard")
    answer = await front.client.get("/counsellor", params={"status": "bogus"})
    assert answer.status_code == 422
    assert "Ce filtre n&#39;existe pas" in answer.text
    assert not front.intake.called("caseload")


async def test_a_case_of_someone_else_is_a_french_404(front: Front) -> None:
    await sign_in(front, "counsellor", "c-camille-bernard")
    answer = await front.client.get(f"/counsellor/cases/{uuid4()}")
    assert answer.status_code == 404
    assert "text/html" in answer.headers["content-type"]
    assert "Cette page ou ce dossier n&#39;existe pas" in answer.text


# Manager -----------------------------------------------------------------------------------


async def test_the_manager_sees_french_labels_region_and_counsellor_names(front: Front) -> None:
    front.reporting.board = sample_board()
    front.intake.directory = [
        counsellor("c-louise-martin", "Louise Martin", languages=["fr", "br"])
    ]
    await sign_in(front, "manager", "m-anne-durand")
    page = await front.client.get("/manager")
    assert page.status_code == 200
    assert [region for region, _ in front.reporting.called("dashboard")] == ["bretagne"]
    text = page.text
    for shown in (
        "Activité · <bdi>Bretagne</bdi>",
        "masqué",
        "<bdi>Rennes</bdi>",
        "<bdi>Brest</bdi>",
        "Technicien, agent de maîtrise",
        "Accompagnement personnalisé",
        "<bdi>Louise Martin</bdi>",
        "12/30",
        "Français, Breton",
    ):
        assert shown in text, shown
    assert "None" not in text
    assert "c-louise-martin" not in text


async def test_the_manager_page_survives_a_missing_directory(front: Front) -> None:
    front.reporting.board = sample_board()
    front.intake.fail["counsellors"] = ApiError(403, "managers only")
    await sign_in(front, "manager", "m-anne-durand")
    page = await front.client.get("/manager")
    assert page.status_code == 200
    assert "liste des conseillers est momentanément indisponible" in page.text


async def test_a_missing_report_is_a_french_page_with_a_way_back(front: Front) -> None:
    await sign_in(front, "manager", "m-anne-durand")
    page = await front.client.get("/manager")
    assert page.status_code == 503
    assert "momentanément indisponible" in page.text
    assert 'href="/manager"' in page.text


def test_uuid_pattern_matches_ids() -> None:
    assert UUID_TEXT.search(str(UUID(int=1)))

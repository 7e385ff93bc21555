"""The survey pages: the space's card and form, and the e-mailed link that opens one survey."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx
import jwt
import pytest

from intake.domain.model import Case
from intake.domain.surveys import Survey as IntakeSurvey
from intake.entrypoints.schemas import SurveyView
from jalon_shared.access import Role
from jalon_shared.events.vocabulary import Csp, ServiceLevel
from jalon_shared.links import PURPOSE, SURVEY_PURPOSE, SignedLinks
from tests.unit.web_fakes import sign_in_beneficiary
from tests.unit.web_survey_fakes import SECRET, SurveyFront, build_survey_front, survey
from web.adapters.services import ServiceClient
from web.adapters.surveys import HttpSurveyApi
from web.application.errors import ApiError

LINKS = SignedLinks(SECRET)
SITUATIONS = (
    "Dans le même emploi",
    "Dans un nouvel emploi",
    "En formation",
    "Projet en cours",
    "En recherche d&#39;emploi",
    "Autre situation",
)
ANONYMOUS = "Vos réponses sont anonymes : elles servent seulement aux statistiques."


@pytest.fixture
def world() -> SurveyFront:
    return build_survey_front()


async def signed_in(world: SurveyFront) -> UUID:
    account = await sign_in_beneficiary(world.front, "lea@example.org")
    return account.beneficiary_id


def fieldset(page: str, name: str) -> str:
    """Return one question's fieldset of a page."""
    return page.split(f'<fieldset id="{name}"', 1)[1].split("</fieldset>", 1)[0]


def link_to(survey_id: UUID, owner: UUID, *, expires_at: datetime | None = None) -> str:
    """Return the page path of the link the follow-up e-mail carries."""
    # Links are checked against the real clock, not the pages' fake one.
    expiry = expires_at or datetime.now(UTC) + timedelta(days=60)
    return f"/enquete/{LINKS.token(survey_id, owner, expiry, purpose=SURVEY_PURPOSE)}"


# In the space ------------------------------------------------------------------------------


async def test_the_space_shows_a_card_while_a_survey_waits(world: SurveyFront) -> None:
    person = await signed_in(world)
    home = await world.front.client.get("/beneficiary")
    assert home.status_code == 200
    assert 'id="survey-card"' not in home.text
    one = world.surveys.add(survey(), person)
    world.surveys.add(survey(), uuid4())  # someone else's
    home = await world.front.client.get("/beneficiary")
    assert 'id="survey-card"' in home.text
    assert "Votre avis sur votre accompagnement" in home.text
    assert f'href="/beneficiary/surveys/{one.survey_id}"' in home.text
    assert "Donner mon avis : accueil individualisé" in home.text
    assert home.text.count('href="/beneficiary/surveys/') == 1
    # Intake down: the space still opens, without the card.
    world.surveys.fail["mine"] = ApiError(503, "down")
    home = await world.front.client.get("/beneficiary")
    assert home.status_code == 200
    assert 'id="survey-card"' not in home.text


async def test_the_form_offers_five_labelled_levels_and_the_recommendation(
    world: SurveyFront,
) -> None:
    person = await signed_in(world)
    one = world.surveys.add(survey(), person)
    page = await world.front.client.get(f"/beneficiary/surveys/{one.survey_id}")
    assert page.status_code == 200
    assert ANONYMOUS in page.text
    for value, text in (
        (1, "Pas du tout satisfait"),
        (3, "Moyennement satisfait"),
        (5, "Très satisfait"),
    ):
        assert f'<label class="choice" for="satisfaction-{value}">' in page.text
        assert f'id="satisfaction-{value}" name="satisfaction" value="{value}"' in page.text
        assert f"{value} \N{EN DASH} {text}</label>" in page.text
    assert "Recommanderiez-vous ce service à un proche ?" in page.text
    for answer, text in (("yes", "Oui"), ("no", "Non"), ("unknown", "Je ne sais pas")):
        assert f'id="would_recommend-{answer}"' in page.text
        assert f"> {text}</label>" in page.text
    assert 'name="form_token"' in page.text
    assert "Où en êtes-vous aujourd" not in page.text


async def test_an_answer_goes_to_intake_as_the_person_then_thanks_them(
    world: SurveyFront,
) -> None:
    person = await signed_in(world)
    one = world.surveys.add(survey(), person)
    path = f"/beneficiary/surveys/{one.survey_id}"
    answer = await world.front.post(path, {"satisfaction": "4", "would_recommend": "no"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/beneficiary?done=survey_answered"
    ((_, token, (survey_id, body)),) = [c for c in world.surveys.calls if c[0] == "answer"]
    assert (survey_id, body) == (one.survey_id, {"satisfaction": 4, "would_recommend": False})
    assert world.front.verifier.verify(token).sub == str(person)
    home = await world.front.client.get(answer.headers["location"])
    assert "Merci pour vos réponses" in home.text
    assert 'id="survey-card"' not in home.text
    # "I don't know" is no answer to that question.
    other = world.surveys.add(survey(service_level="accompagnement_personnalise"), person)
    await world.front.post(
        f"/beneficiary/surveys/{other.survey_id}",
        {"satisfaction": "2", "would_recommend": "unknown"},
    )
    assert world.surveys.called("answer")[-1] == (
        other.survey_id,
        {"satisfaction": 2, "would_recommend": None},
    )


async def test_a_refused_answer_keeps_what_was_chosen_and_says_why(world: SurveyFront) -> None:
    person = await signed_in(world)
    one = world.surveys.add(survey(), person)
    path = f"/beneficiary/surveys/{one.survey_id}"
    refused = await world.front.post(path, {"would_recommend": "yes"})
    assert refused.status_code == 422
    assert "Choisissez votre niveau de satisfaction, de 1 à 5." in refused.text
    assert (
        'id="satisfaction" aria-invalid="true" aria-describedby="satisfaction-error"'
        in refused.text
    )
    assert 'value="yes" checked' in fieldset(refused.text, "would_recommend")
    assert "Vos réponses ne sont pas encore envoyées" in refused.text
    # A value no radio offers is refused here, without asking intake; the rest is kept.
    calls = len(world.surveys.called("answer"))
    odd = await world.front.post(path, {"satisfaction": "9", "would_recommend": "no"})
    assert odd.status_code == 422
    assert len(world.surveys.called("answer")) == calls
    assert 'value="no" checked' in fieldset(odd.text, "would_recommend")
    assert "checked" not in fieldset(odd.text, "satisfaction")


async def test_a_second_answer_is_thanked_again_not_counted(world: SurveyFront) -> None:
    person = await signed_in(world)
    one = world.surveys.add(survey(), person)
    path = f"/beneficiary/surveys/{one.survey_id}"
    assert (await world.front.post(path, {"satisfaction": "5"})).status_code == 303
    again = await world.front.post(path, {"satisfaction": "1"})
    assert again.status_code == 409
    assert "Vous avez déjà répondu, merci." in again.text
    assert '<form class="survey"' not in again.text
    shown = await world.front.client.get(path)
    assert "Vous avez déjà répondu, merci." in shown.text


async def test_someone_elses_survey_or_a_post_without_the_form_token_does_nothing(
    world: SurveyFront,
) -> None:
    person = await signed_in(world)
    theirs = world.surveys.add(survey(), uuid4())
    path = f"/beneficiary/surveys/{theirs.survey_id}"
    page = await world.front.client.get(path)
    assert page.status_code == 404
    assert "Cette enquête n&#39;existe plus" in page.text
    refused = await world.front.post(path, {"satisfaction": "3"})
    assert refused.status_code == 404
    mine = world.surveys.add(survey(), person)
    forged = await world.front.client.post(
        f"/beneficiary/surveys/{mine.survey_id}", data={"satisfaction": "1"}
    )
    assert forged.status_code == 403
    assert all(args[0] != mine.survey_id for args in world.surveys.called("answer"))


# From the e-mailed link ---------------------------------------------------------------------


async def test_the_link_asks_the_follow_up_question_as_its_beneficiary_without_a_session(
    world: SurveyFront,
) -> None:
    owner = uuid4()
    one = world.surveys.add(survey(kind="follow_up"), owner)
    page = await world.front.client.get(link_to(one.survey_id, owner))
    assert page.status_code == 200
    assert "set-cookie" not in page.headers
    assert "<legend>Où en êtes-vous aujourd'hui ? *</legend>" in page.text
    for text in SITUATIONS:
        assert f"> {text}</label>" in page.text
    assert 'for="situation-project_under_way"' in page.text
    assert ANONYMOUS in page.text
    assert "Ne le transférez pas." in page.text
    assert 'name="form_token"' not in page.text
    assert "satisfaction" not in page.text
    # The service is asked as the link's beneficiary, with a token of minutes.
    ((_, token, _),) = world.surveys.calls
    principal = world.front.verifier.verify(token)
    assert (principal.role, principal.sub) == (Role.BENEFICIARY, str(owner))
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] <= 300
    # The link is no session: the space stays closed.
    assert (await world.front.client.get("/beneficiary")).status_code == 303


async def test_answering_from_the_link_thanks_then_says_it_was_answered(
    world: SurveyFront,
) -> None:
    owner = uuid4()
    one = world.surveys.add(survey(kind="follow_up"), owner)
    path = link_to(one.survey_id, owner)
    refused = await world.front.client.post(path, data={})
    assert refused.status_code == 422
    assert "Choisissez la situation qui vous correspond le mieux." in refused.text
    answer = await world.front.client.post(path, data={"situation": "new_job"})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{path}?done=survey_answered"
    assert "set-cookie" not in answer.headers
    assert world.surveys.called("answer")[-1] == (one.survey_id, {"situation": "new_job"})
    thanks = await world.front.client.get(answer.headers["location"])
    assert "Merci pour vos réponses" in thanks.text
    assert "Vous avez déjà répondu" not in thanks.text
    later = await world.front.client.get(path)
    assert "Vous avez déjà répondu, merci." in later.text
    again = await world.front.client.post(path, data={"situation": "other"})
    assert again.status_code == 409
    assert "Vous avez déjà répondu, merci." in again.text


async def test_a_situation_no_radio_offers_is_refused_without_asking_intake(
    world: SurveyFront,
) -> None:
    owner = uuid4()
    one = world.surveys.add(survey(kind="follow_up"), owner)
    refused = await world.front.client.post(
        link_to(one.survey_id, owner), data={"situation": "<b>rich</b>"}
    )
    assert refused.status_code == 422
    assert "<b>rich</b>" not in refused.text
    assert world.surveys.called("answer") == []


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(
            lambda path: path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"), id="altered"
        ),
        pytest.param(lambda path: path.split(".")[0], id="truncated"),
        pytest.param(lambda path: "/enquete/" + "x" * 40, id="garbage"),
    ],
)
async def test_an_altered_link_opens_nothing_and_sets_no_cookie(
    world: SurveyFront, broken: Callable[[str], str]
) -> None:
    owner = uuid4()
    one = world.surveys.add(survey(kind="follow_up"), owner)
    path = broken(link_to(one.survey_id, owner))
    page = await world.front.client.get(path)
    assert page.status_code == 404
    assert "Ce lien n&#39;est plus valable" in page.text
    assert 'id="link-sign-in"' in page.text
    assert "set-cookie" not in page.headers
    posted = await world.front.client.post(path, data={"situation": "new_job"})
    assert posted.status_code == 404
    assert "set-cookie" not in posted.headers
    assert world.surveys.calls == []


async def test_an_expired_link_or_one_signed_for_an_appointment_opens_nothing(
    world: SurveyFront,
) -> None:
    owner = uuid4()
    one = world.surveys.add(survey(kind="follow_up"), owner)
    expired = link_to(one.survey_id, owner, expires_at=datetime.now(UTC) - timedelta(minutes=1))
    page = await world.front.client.get(expired)
    assert page.status_code == 404
    assert "set-cookie" not in page.headers
    # Signed with the same secret, for an appointment's page: not a survey link.
    appointment_link = LINKS.token(
        one.survey_id, owner, datetime.now(UTC) + timedelta(days=1), purpose=PURPOSE
    )
    other = await world.front.client.get(f"/enquete/{appointment_link}")
    assert other.status_code == 404
    assert "set-cookie" not in other.headers
    # And a survey link opens no appointment.
    survey_link = link_to(one.survey_id, owner).removeprefix("/enquete/")
    assert (await world.front.client.get(f"/rdv/{survey_link}")).status_code in (404, 503)
    assert world.surveys.calls == []


async def test_a_valid_link_to_a_survey_that_is_gone_says_so(world: SurveyFront) -> None:
    page = await world.front.client.get(link_to(uuid4(), uuid4()))
    assert page.status_code == 404
    assert "Cette enquête n&#39;existe plus" in page.text
    assert "set-cookie" not in page.headers


async def test_a_post_from_another_site_is_refused(world: SurveyFront) -> None:
    owner = uuid4()
    one = world.surveys.add(survey(kind="follow_up"), owner)
    answer = await world.front.client.post(
        link_to(one.survey_id, owner),
        data={"situation": "new_job"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert answer.status_code == 403
    assert world.surveys.called("answer") == []


async def test_without_the_link_secret_the_link_page_is_unavailable() -> None:
    world = build_survey_front(links=False)
    owner = uuid4()
    one = world.surveys.add(survey(kind="follow_up"), owner)
    assert (await world.front.client.get(link_to(one.survey_id, owner))).status_code == 503
    assert world.surveys.calls == []


# Intake's routes over HTTP ------------------------------------------------------------------


async def test_the_adapter_reads_intakes_own_views_and_refusals() -> None:
    case = Case(
        case_id=uuid4(),
        request_id=uuid4(),
        beneficiary_id=uuid4(),
        counsellor_id="a",
        region="bretagne",
        site="rennes",
        csp=Csp.EMPLOYE,
        service_level=ServiceLevel.ACCUEIL_INDIVIDUALISE,
        opened_at=datetime(2026, 11, 2, tzinfo=UTC),
    )
    pending = IntakeSurvey.end_of_level(case, case.service_level, datetime.now(UTC))
    view = SurveyView.of(pending).model_dump(mode="json")
    calls: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if request.url.path == "/surveys/mine":
            return httpx.Response(200, json=[view])
        if request.method == "POST":
            problem = {"location": "path", "field": "survey_id", "type": "already_answered"}
            return httpx.Response(409, json={"detail": "answered", "errors": [problem]})
        return httpx.Response(200, json={**view, "status": "answered"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    api = HttpSurveyApi(ServiceClient(http, "http://intake.test", "intake"))
    (mine,) = await api.mine("t")
    assert (mine.survey_id, mine.kind, mine.answered) == (pending.survey_id, "end_of_level", False)
    assert (await api.survey("t", pending.survey_id)).answered
    with pytest.raises(ApiError) as refused:
        await api.answer("t", pending.survey_id, {"satisfaction": 3})
    assert (refused.value.status, refused.value.errors[0].type) == (409, "already_answered")
    assert calls[-1].url.path == f"/surveys/{pending.survey_id}/answers"
    assert json.loads(calls[-1].content) == {"satisfaction": 3}
    assert calls[-1].headers["authorization"] == "Bearer t"

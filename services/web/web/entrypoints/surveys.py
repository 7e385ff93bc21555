"""The satisfaction surveys' pages: from the beneficiary's space, and from the e-mailed link."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from collections.abc import Iterable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from jalon_shared.access import Role
from jalon_shared.events.vocabulary import FollowUpSituation, SurveyKind
from web.application.answer_survey import SurveyDraft, answer_survey
from web.application.errors import ApiError, FieldError
from web.application.open_survey_link import open_survey_link
from web.application.show_survey import show_survey
from web.application.survey_ports import SurveyApi
from web.application.survey_views import Survey
from web.domain.sessions import Session
from web.entrypoints import labels
from web.entrypoints.appointment_pages import go
from web.entrypoints.deps import Deps
from web.entrypoints.errors import error_page
from web.entrypoints.forms import message_for
from web.entrypoints.pages import choices, render
from web.entrypoints.session import persona

router = APIRouter(tags=["beneficiary"])
Beneficiary = Annotated[Session, Depends(persona(Role.BENEFICIARY))]
#: A link's token: an HS256 JWT of ids and an expiry, well under this.
Link = Annotated[str, Path(max_length=1024)]

TITLES = {
    SurveyKind.END_OF_LEVEL: "Votre avis sur votre accompagnement",
    SurveyKind.FOLLOW_UP: "Votre situation aujourd'hui",
}
EXPIRED = (
    "Ce lien n'est plus valable : il a expiré, ou il a été recopié incomplètement. "
    "Le lien de notre message sert 60 jours."
)
GONE = "Cette enquête n'existe plus : le délai pour y répondre est peut-être passé."
NOT_SENT = "Vos réponses ne sont pas encore envoyées : répondez aux questions signalées."
#: What a refused answer says beside its question.
FIELD_MESSAGES = {
    "satisfaction": "Choisissez votre niveau de satisfaction, de 1 à 5.",
    "would_recommend": "Choisissez Oui, Non ou Je ne sais pas.",
    "situation": "Choisissez la situation qui vous correspond le mieux.",
}


def draft_from(form: FormData) -> SurveyDraft:
    """Read the survey form as sent (capped: nothing long is ever echoed back)."""
    return SurveyDraft.model_validate(
        {name: str(form.get(name, ""))[:64] for name in SurveyDraft.model_fields}
    )


def field_messages(errors: Iterable[FieldError]) -> dict[str, str]:
    """Return one French message per refused question."""
    found: dict[str, str] = {}
    for error in errors:
        found.setdefault(
            error.form_field, FIELD_MESSAGES.get(error.form_field) or message_for(error)
        )
    return found


def space_action(survey_id: UUID) -> str:
    """Return the space's page of a survey, where its form posts."""
    return f"/beneficiary/surveys/{survey_id}"


def link_action(link: str) -> str:
    """Return the link page of a survey, where its form posts."""
    return f"/enquete/{link}"


async def survey_page(
    request: Request,
    survey: Survey,
    *,
    action: str,
    via_link: bool,
    draft: SurveyDraft | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render the survey's questions, or say it was answered."""
    return await render(
        request,
        "survey.html",
        TITLES[survey.kind],
        status_code=status_code,
        survey=survey,
        action=action,
        via_link=via_link,
        draft=draft or SurveyDraft(),
        satisfaction_levels=list(labels.SATISFACTION.items()),
        recommend_answers=list(labels.RECOMMEND.items()),
        follow_up_situations=choices(FollowUpSituation),
        **context,
    )


async def gone(request: Request, *, via_link: bool) -> Response:
    """Say the survey opens nothing: the link page offers the sign-in, the space its way back."""
    if via_link:
        return await invalid_link(request, GONE)
    return await error_page(request, 404, message=GONE)


async def invalid_link(request: Request, reason: str) -> HTMLResponse:
    """Say the link opens nothing, and offer the sign-in instead."""
    return await render(
        request, "survey_link_invalid.html", "Lien non valable", status_code=404, reason=reason
    )


async def submit_answer(
    request: Request,
    session: Session,
    surveys: SurveyApi,
    survey_id: UUID,
    draft: SurveyDraft,
    *,
    action: str,
    via_link: bool,
    done: Response,
) -> Response:
    """Send the answer; on a refusal show the form again as sent, with why."""
    try:
        await answer_survey(session, survey_id, draft, surveys=surveys)
    except ApiError as refusal:
        try:
            survey = await show_survey(session, survey_id, surveys=surveys)
        except ApiError as exc:
            if exc.status in (403, 404):
                return await gone(request, via_link=via_link)
            return await error_page(request, exc.status if exc.status < 600 else 502)
        if refusal.status == status.HTTP_409_CONFLICT:
            # Answered already (here, in another tab, or from the e-mail): thanks again.
            return await survey_page(
                request, survey, action=action, via_link=via_link, already=True, status_code=409
            )
        if refusal.status == status.HTTP_422_UNPROCESSABLE_CONTENT and refusal.errors:
            return await survey_page(
                request,
                survey,
                action=action,
                via_link=via_link,
                draft=draft,
                status_code=422,
                field_errors=field_messages(refusal.errors),
                error=NOT_SENT,
            )
        if refusal.status in (403, 404):
            return await gone(request, via_link=via_link)
        return await error_page(request, refusal.status if refusal.status < 600 else 502)
    return done


@router.get("/beneficiary/surveys/{survey_id}", response_model=None)
async def space_survey(
    request: Request, survey_id: UUID, session: Beneficiary, deps: Deps
) -> Response:
    """Show one of the beneficiary's surveys, to answer it."""
    if deps.surveys is None:
        return await error_page(request, 503)
    try:
        survey = await show_survey(session, survey_id, surveys=deps.surveys)
    except ApiError as exc:
        if exc.status in (403, 404):
            return await gone(request, via_link=False)
        raise
    return await survey_page(request, survey, action=space_action(survey_id), via_link=False)


@router.post("/beneficiary/surveys/{survey_id}", response_model=None)
async def answer_in_space(
    request: Request, survey_id: UUID, session: Beneficiary, deps: Deps
) -> Response:
    """Answer the survey, then thank the beneficiary in their space."""
    if deps.surveys is None:
        return await error_page(request, 503)
    draft = draft_from(await request.form())
    thanks = RedirectResponse("/beneficiary?done=survey_answered", status.HTTP_303_SEE_OTHER)
    return await submit_answer(
        request,
        session,
        deps.surveys,
        survey_id,
        draft,
        action=space_action(survey_id),
        via_link=False,
        done=thanks,
    )


@router.get("/enquete/{link}", response_model=None)
async def link_survey(request: Request, deps: Deps, link: Link) -> Response:
    """Show the survey an e-mail's link opens, without signing in."""
    if deps.links is None or deps.surveys is None:
        return await error_page(request, 503)
    opened = open_survey_link(link, links=deps.links, issuer=deps.issuer)
    if opened is None:
        return await invalid_link(request, EXPIRED)
    try:
        survey = await show_survey(opened.session, opened.survey_id, surveys=deps.surveys)
    except ApiError as exc:
        if exc.status in (403, 404):
            # Erased, expired, or never theirs: the same words either way.
            return await gone(request, via_link=True)
        return await error_page(request, exc.status if exc.status < 600 else 502)
    return await survey_page(request, survey, action=link_action(link), via_link=True)


@router.post("/enquete/{link}", response_model=None)
async def answer_from_link(request: Request, deps: Deps, link: Link) -> Response:
    """Answer the link's survey, then thank the person on the same page."""
    form = await request.form()
    if deps.links is None or deps.surveys is None:
        return await error_page(request, 503)
    opened = open_survey_link(link, links=deps.links, issuer=deps.issuer)
    if opened is None:
        return await invalid_link(request, EXPIRED)
    return await submit_answer(
        request,
        opened.session,
        deps.surveys,
        opened.survey_id,
        draft_from(form),
        action=link_action(link),
        via_link=True,
        done=go(link_action(link), "survey_answered"),
    )

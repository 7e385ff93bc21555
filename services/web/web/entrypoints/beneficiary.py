"""The beneficiary's space: their cases, the CEP request form, export and erasure."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from jalon_shared.access import Role
from jalon_shared.events.vocabulary import CONSENT_TEXT_VERSION, RequestOutcome
from web.application.erase_own_data import erase_own_data
from web.application.errors import ApiError
from web.application.export_own_data import export_own_data
from web.application.show_beneficiary_space import show_beneficiary_space
from web.application.show_own_surveys import show_own_surveys
from web.application.submit_request import RequestDraft, submit_request
from web.application.views import BeneficiaryDetails
from web.domain.sessions import Session
from web.entrypoints.deps import Deps
from web.entrypoints.errors import explain
from web.entrypoints.formatting import french_phone
from web.entrypoints.forms import messages_by_field
from web.entrypoints.pages import render
from web.entrypoints.session import COOKIE, SPACE_TITLES, persona

router = APIRouter(tags=["beneficiary"])
Beneficiary = Annotated[Session, Depends(persona(Role.BENEFICIARY))]
TITLE = SPACE_TITLES[Role.BENEFICIARY]
LIST_FIELDS = ("topics", "modalities", "accessibility", "languages")


def draft_from(form: FormData) -> RequestDraft:
    """Read the request form as typed (text capped, so a huge field cannot be echoed back)."""
    values: dict[str, Any] = {
        name: str(form.get(name, ""))[:4000]
        for name in RequestDraft.model_fields
        if name not in LIST_FIELDS and name != "consent"
    }
    for name in LIST_FIELDS:
        values[name] = tuple(str(v)[:64] for v in form.getlist(name))[:20]
    values["consent"] = form.get("consent") == "yes"
    return RequestDraft.model_validate(values)


def prefilled(
    draft: RequestDraft | None, known: BeneficiaryDetails | None, email: str
) -> RequestDraft:
    """Return the form to show: what was typed, else what intake knows, else the sign-in email."""
    if draft is not None:
        return draft
    if known is not None:
        return RequestDraft(
            first_name=known.first_name,
            last_name=known.last_name,
            email=known.email,
            phone=french_phone(known.phone),
            preferred_channel=known.preferred_channel.value,
            languages=known.languages,
        )
    return RequestDraft(email=email)


async def space(
    request: Request,
    session: Session,
    deps: Deps,
    *,
    draft: RequestDraft | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render the space, with the form as typed when it comes back refused."""
    shown = await show_beneficiary_space(session, intake=deps.intake)
    beneficiary_id = session.principal.beneficiary_id()
    account = await deps.accounts.beneficiary_by_id(beneficiary_id) if beneficiary_id else None
    return await render(
        request,
        "beneficiary_home.html",
        TITLE,
        status_code=status_code,
        space_view=shown,
        surveys=await show_own_surveys(session, surveys=deps.surveys),
        form=prefilled(draft, shown.known, account.email if account else ""),
        consent_version=CONSENT_TEXT_VERSION,
        **context,
    )


@router.get("/beneficiary", response_class=HTMLResponse)
async def beneficiary_home(request: Request, session: Beneficiary, deps: Deps) -> HTMLResponse:
    """Show the beneficiary's cases and the request form."""
    return await space(request, session, deps)


@router.post("/beneficiary/request", response_model=None)
async def beneficiary_request(request: Request, session: Beneficiary, deps: Deps) -> Response:
    """Submit the CEP request form to intake; a refused form comes back as typed."""
    try:
        draft = draft_from(await request.form())
    except ValidationError:
        return await space(request, session, deps, status_code=422, error=explain(422)[1])
    try:
        outcome = await submit_request(session, draft, intake=deps.intake)
    except ApiError as exc:
        field_errors = messages_by_field(exc.errors)
        general = None if field_errors else explain(exc.status)[1]
        if field_errors:
            general = "Votre demande n'est pas encore envoyée : corrigez les champs signalés."
        return await space(
            request,
            session,
            deps,
            draft=draft,
            status_code=exc.status if 400 <= exc.status < 600 else 502,
            field_errors=field_errors,
            error=general,
        )
    done = f"request_{outcome.outcome.value}"
    if outcome.outcome is RequestOutcome.CASE_OPENED and outcome.counsellor_assigned:
        done += "_assigned"
    return RedirectResponse(f"/beneficiary?done={done}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/beneficiary/export", response_model=None)
async def beneficiary_export(request: Request, session: Beneficiary, deps: Deps) -> Response:
    """Download everything intake holds about the beneficiary."""
    try:
        data = await export_own_data(session, intake=deps.intake)
    except ApiError as exc:
        if exc.status != status.HTTP_404_NOT_FOUND:
            raise
        return await space(
            request, session, deps, notice="Nous ne détenons encore aucune donnée à votre sujet."
        )
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="mes-donnees-jalon.json"'},
    )


@router.post("/beneficiary/erase", response_model=None)
async def beneficiary_erase(request: Request, session: Beneficiary, deps: Deps) -> Response:
    """Erase the beneficiary's data, once confirmed, and sign them out."""
    form = await request.form()
    if form.get("confirm") != "yes":
        # The confirmation is a form field, so it holds without JavaScript.
        return await space(
            request,
            session,
            deps,
            status_code=422,
            field_errors={"confirm": "Cochez cette case pour confirmer l'effacement."},
        )
    try:
        await erase_own_data(
            session,
            intake=deps.intake,
            accounts=deps.accounts,
            revocations=deps.revocations,
            clock=deps.clock,
        )
    except ApiError as exc:
        return await space(
            request,
            session,
            deps,
            status_code=exc.status,
            error="Vos données n'ont pas été effacées. " + explain(exc.status)[1],
        )
    response = RedirectResponse("/?done=erased", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=deps.secure_cookies)
    return response

"""The counsellor's summaries: drafting, comments, submission, signatures in person or on paper."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

import re
from dataclasses import replace
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from jalon_shared.access import Role
from web.application.appointment_drafts import InvalidDraftError
from web.application.attach_paper_scan import attach_paper_scan
from web.application.comment_on_summary import comment_on_summary
from web.application.document_views import MAX_UPLOAD_BYTES
from web.application.draft_summary import draft_summary
from web.application.errors import ApiError, FieldError, NotConfirmedError
from web.application.open_summary_pdf import open_summary_pdf
from web.application.revise_summary import revise_summary
from web.application.show_case_summaries import show_case_summaries
from web.application.show_summary import show_summary
from web.application.sign_in_person import sign_in_person
from web.application.submit_summary import submit_summary
from web.application.summary_drafts import (
    MAX_PLAN_ROWS,
    MAX_RESOURCE_ROWS,
    PlanRow,
    ResourceRow,
    SummaryDraft,
)
from web.domain.sessions import Session
from web.entrypoints.appointment_pages import go
from web.entrypoints.deps import Deps, WebDeps
from web.entrypoints.document_pages import (
    ACTION_MESSAGES,
    SUMMARY_MESSAGES,
    client_of,
    document_api,
    field_messages,
    file_response,
    refusal,
    shown_status,
    upload_of,
)
from web.entrypoints.errors import error_page
from web.entrypoints.pages import render
from web.entrypoints.session import persona

router = APIRouter(tags=["counsellor"])
Counsellor = Annotated[Session, Depends(persona(Role.COUNSELLOR))]
TITLE = "Document de synthèse"
NEW_TITLE = "Rédiger un document de synthèse"
PLAN_FIELD = re.compile(r"^plan-(\d{1,3})-")
RESOURCE_FIELD = re.compile(r"^resource-(\d{1,3})-")
#: The longest text a field is echoed back with (the body limit caps them anyway).
MAX_TEXT = 20_000
NOT_SAVED = "Le document n'est pas enregistré : corrigez les champs signalés."


def summary_url(document_id: UUID) -> str:
    """Return the counsellor's page of a summary."""
    return f"/counsellor/summaries/{document_id}"


# The case page's section ----------------------------------------------------------------------


async def summaries_section(session: Session, case_id: UUID, deps: WebDeps) -> dict[str, Any]:
    """Return what the case page's "Documents de synthèse" section needs (never fails the page)."""
    return {
        "summaries_section": await show_case_summaries(session, case_id, documents=deps.documents)
    }


# The form -------------------------------------------------------------------------------------


def row_count(form: FormData, pattern: re.Pattern[str], most: int) -> int:
    """Return how many rows the form holds, numbered from 0 (gaps become blank rows)."""
    found = [int(m.group(1)) for key in form if (m := pattern.match(key))]
    return min(max(found) + 1, most) if found else 0


def draft_from(form: FormData) -> SummaryDraft:
    """Read the summary form as typed (each value capped, so nothing huge is echoed back)."""

    def text(name: str, size: int) -> str:
        return str(form.get(name, ""))[:size]

    plan = tuple(
        PlanRow(
            due_on=text(f"plan-{i}-due_on", 10),
            action=text(f"plan-{i}-action", 1000),
            owner=text(f"plan-{i}-owner", 32),
        )
        for i in range(row_count(form, PLAN_FIELD, MAX_PLAN_ROWS))
    )
    resources = tuple(
        ResourceRow(kind=text(f"resource-{i}-kind", 32), label=text(f"resource-{i}-label", 600))
        for i in range(row_count(form, RESOURCE_FIELD, MAX_RESOURCE_ROWS))
    )
    return SummaryDraft(
        level=text("level", 64),
        situation=text("situation", MAX_TEXT),
        wishes=text("wishes", MAX_TEXT),
        skills=text("skills", MAX_TEXT),
        strategy=text("strategy", MAX_TEXT),
        plan=plan,
        resources=resources,
    )


async def person_name(session: Session, case_id: UUID, deps: WebDeps) -> str | None:
    """Return the name of the case's person, or None when intake cannot say."""
    try:
        case = await deps.intake.case(session.token, case_id)
    except ApiError:
        return None
    return case.beneficiary.full_name if case.beneficiary else None


# Writing a new summary ------------------------------------------------------------------------


async def new_page(
    request: Request,
    session: Session,
    deps: WebDeps,
    case_id: UUID,
    draft: SummaryDraft,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render the blank (or refused) form of a new summary for the case."""
    document_api(deps)
    try:
        case = await deps.intake.case(session.token, case_id)
    except ApiError as exc:
        return await error_page(request, exc.status if exc.status in (403, 404) else 502)
    if status_code == 200 and not draft.level:
        # The summary records the level the case reached: start from the case's own.
        draft = replace(draft, level=case.service_level.value)
    return await render(
        request,
        "summary_new.html",
        NEW_TITLE,
        status_code=status_code,
        case_id=case_id,
        person=case.beneficiary.full_name if case.beneficiary else None,
        draft=draft.shown(),
        **context,
    )


@router.get("/counsellor/cases/{case_id}/summaries/new", response_model=None)
async def new_summary(request: Request, session: Counsellor, deps: Deps, case_id: UUID) -> Response:
    """Show the structured form of a new summary: texts, action plan and resources."""
    return await new_page(request, session, deps, case_id, SummaryDraft())


@router.post("/counsellor/cases/{case_id}/summaries", response_model=None)
async def create_summary(
    request: Request, session: Counsellor, deps: Deps, case_id: UUID
) -> Response:
    """Create the draft (blank rows dropped); a refused form comes back as typed."""
    draft = draft_from(await request.form())
    try:
        created = await draft_summary(session, case_id, draft, documents=document_api(deps))
    except InvalidDraftError as exc:
        return await new_page(
            request,
            session,
            deps,
            case_id,
            draft,
            status_code=422,
            error=NOT_SAVED,
            field_errors=field_messages(exc.errors, SUMMARY_MESSAGES),
        )
    except ApiError as exc:
        if exc.status in (403, 404):
            return await error_page(request, exc.status)
        return await new_page(
            request,
            session,
            deps,
            case_id,
            draft,
            status_code=shown_status(exc),
            error=refusal(exc, "Le document n'est pas créé."),
        )
    return go(summary_url(created.document_id), "summary_created")


# One summary ----------------------------------------------------------------------------------


async def summary_page(
    request: Request,
    session: Session,
    deps: WebDeps,
    document_id: UUID,
    *,
    draft: SummaryDraft | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render a summary with what the counsellor may do at its stage, and an action's refusal."""
    try:
        page = await show_summary(
            session, document_id, documents=document_api(deps), with_evidence=True
        )
    except ApiError as exc:
        return await error_page(
            request, exc.status if exc.status in (403, 404) else shown_status(exc)
        )
    return await render(
        request,
        "summary_counsellor.html",
        TITLE,
        status_code=status_code,
        page=page,
        person=await person_name(session, page.summary.case_id, deps),
        draft=(draft or SummaryDraft.of(page.summary)).shown(),
        **context,
    )


@router.get("/counsellor/summaries/{document_id}", response_model=None)
async def summary(request: Request, session: Counsellor, deps: Deps, document_id: UUID) -> Response:
    """Show a summary: its form while a draft, then its content, signatures and evidence."""
    return await summary_page(request, session, deps, document_id)


async def refused(
    request: Request,
    session: Session,
    deps: WebDeps,
    document_id: UUID,
    exc: ApiError | InvalidDraftError,
    undone: str,
    **context: Any,
) -> Response:
    """Show the summary again with why an action was not done."""
    if isinstance(exc, InvalidDraftError):
        messages = field_messages(exc.errors, ACTION_MESSAGES)
        first = next(iter(messages.values()), "")
        return await summary_page(
            request,
            session,
            deps,
            document_id,
            status_code=422,
            error=f"{undone} {first}",
            field_errors=messages,
            **context,
        )
    field_errors = {}
    if exc.status == 422 and exc.errors:
        field_errors = field_messages(exc.errors, ACTION_MESSAGES)
    return await summary_page(
        request,
        session,
        deps,
        document_id,
        status_code=shown_status(exc),
        error=refusal(exc, undone),
        field_errors=field_errors,
        **context,
    )


@router.post("/counsellor/summaries/{document_id}", response_model=None)
async def save(request: Request, session: Counsellor, deps: Deps, document_id: UUID) -> Response:
    """Save a new version of the draft; a refused form comes back as typed."""
    draft = draft_from(await request.form())
    try:
        await revise_summary(session, document_id, draft, documents=document_api(deps))
    except InvalidDraftError as exc:
        return await summary_page(
            request,
            session,
            deps,
            document_id,
            draft=draft,
            status_code=422,
            error=NOT_SAVED,
            field_errors=field_messages(exc.errors, SUMMARY_MESSAGES),
        )
    except ApiError as exc:
        return await summary_page(
            request,
            session,
            deps,
            document_id,
            draft=draft,
            status_code=shown_status(exc),
            error=refusal(exc, "Le document n'est pas enregistré."),
        )
    return go(summary_url(document_id), "summary_saved")


@router.post("/counsellor/summaries/{document_id}/comments", response_model=None)
async def comment(request: Request, session: Counsellor, deps: Deps, document_id: UUID) -> Response:
    """Add a comment to the thread the person reads."""
    text = str((await request.form()).get("text", ""))[:5000]
    try:
        await comment_on_summary(session, document_id, text, documents=document_api(deps))
    except (ApiError, InvalidDraftError) as exc:
        return await refused(
            request,
            session,
            deps,
            document_id,
            exc,
            "Le commentaire n'est pas envoyé.",
            comment_text=text,
        )
    return go(f"{summary_url(document_id)}#comments", "comment_added")


@router.post("/counsellor/summaries/{document_id}/submit", response_model=None)
async def submit(request: Request, session: Counsellor, deps: Deps, document_id: UUID) -> Response:
    """Send the draft for the person's signature; it can no longer change."""
    try:
        await submit_summary(session, document_id, documents=document_api(deps))
    except ApiError as exc:
        return await refused(
            request, session, deps, document_id, exc, "Le document n'est pas soumis."
        )
    return go(summary_url(document_id), "summary_submitted")


@router.post("/counsellor/summaries/{document_id}/in-person", response_model=None)
async def in_person(
    request: Request, session: Counsellor, deps: Deps, document_id: UUID
) -> Response:
    """Record the signature the person made in front of the counsellor, identity checked."""
    form = await request.form()
    try:
        await sign_in_person(
            session,
            document_id,
            identity_checked=form.get("identity_checked") == "yes",
            client=client_of(request),
            documents=document_api(deps),
        )
    except NotConfirmedError:
        return await refused(
            request,
            session,
            deps,
            document_id,
            InvalidDraftError([FieldError("identity_checked", "missing")]),
            "La signature n'est pas enregistrée.",
        )
    except ApiError as exc:
        return await refused(
            request, session, deps, document_id, exc, "La signature n'est pas enregistrée."
        )
    return go(summary_url(document_id), "summary_signed_in_person")


@router.post("/counsellor/summaries/{document_id}/paper", response_model=None)
async def paper(request: Request, session: Counsellor, deps: Deps, document_id: UUID) -> Response:
    """Attach the scan of the summary signed on paper."""
    scan = await upload_of(await request.form(), "scan", MAX_UPLOAD_BYTES)
    try:
        await attach_paper_scan(
            session, document_id, scan, client=client_of(request), documents=document_api(deps)
        )
    except (ApiError, InvalidDraftError) as exc:
        if isinstance(exc, ApiError) and exc.status in (413, 415):
            kind = "too_large" if exc.status == 413 else "unsupported_type"
            exc = InvalidDraftError([FieldError("scan", kind)])
        return await refused(
            request, session, deps, document_id, exc, "La signature papier n'est pas enregistrée."
        )
    return go(summary_url(document_id), "summary_signed_paper")


@router.get("/counsellor/summaries/{document_id}/pdf", response_model=None)
async def pdf(request: Request, session: Counsellor, deps: Deps, document_id: UUID) -> Response:
    """Show the summary's PDF: a preview of the current version, or the sealed file."""
    try:
        stream = await open_summary_pdf(session, document_id, documents=document_api(deps))
    except ApiError as exc:
        return await error_page(
            request, exc.status if exc.status in (403, 404) else shown_status(exc)
        )
    return file_response(stream, fallback_name="document-de-synthese.pdf", inline=True)

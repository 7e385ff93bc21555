"""The beneficiary's messages: the thread with their counsellor, and their tasks between sessions.

The case is always the person's own, found at intake with their token; no form names it.
"""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from jalon_shared.access import Role
from web.application.appointment_drafts import InvalidDraftError
from web.application.complete_task import complete_task
from web.application.download_attachment import download_attachment
from web.application.errors import ApiError
from web.application.post_message import post_message
from web.application.show_own_work import own_case, show_own_work
from web.domain.sessions import Session
from web.entrypoints.appointment_pages import go
from web.entrypoints.deps import Deps, WebDeps
from web.entrypoints.document_pages import shown_status
from web.entrypoints.errors import error_page
from web.entrypoints.pages import render
from web.entrypoints.session import persona
from web.entrypoints.session_pages import (
    WORK_PAGE_HEADERS,
    attachment_response,
    explained,
    session_api,
    today_in_paris,
    uploads_of,
)

router = APIRouter(tags=["beneficiary"])
Beneficiary = Annotated[Session, Depends(persona(Role.BENEFICIARY))]
#: The new-message e-mail links to this page: keep the path.
MESSAGES = "/beneficiary/messages"
TITLE = "Mes messages"
#: The longest text echoed back to a refused form (the service's limits are lower).
MAX_TEXT = 10_000


def task_prefix(task_id: UUID | str) -> str:
    """Return the prefix of a task's completion form fields, so each task has its own."""
    return f"task-{task_id}"


async def messages_page(
    request: Request, session: Session, deps: WebDeps, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render the thread (reading it marks the counsellor's messages read) and the tasks."""
    work = await show_own_work(session, intake=deps.intake, sessions=deps.sessions)
    now = deps.clock()
    context.setdefault("task_forms", {})
    return await render(
        request,
        "messages_beneficiary.html",
        TITLE,
        status_code=status_code,
        headers=WORK_PAGE_HEADERS,
        work=work,
        now=now,
        today=today_in_paris(now),
        **context,
    )


@router.get(MESSAGES, response_class=HTMLResponse)
async def messages(request: Request, session: Beneficiary, deps: Deps) -> HTMLResponse:
    """Show the thread with the counsellor, the form to write, and the tasks to do."""
    return await messages_page(request, session, deps)


@router.post(MESSAGES, response_model=None)
async def write(request: Request, session: Beneficiary, deps: Deps) -> Response:
    """Send a message with up to 3 files; a refusal keeps the text typed and names the field."""
    form = await request.form()
    text = str(form.get("text", ""))[:MAX_TEXT]
    files = await uploads_of(form, "files")
    undone = "Votre message n'est pas envoyé."
    try:
        found = await own_case(session, intake=deps.intake)
        if found is None:
            return await messages_page(
                request,
                session,
                deps,
                status_code=409,
                error=f"{undone} Vous n'avez pas encore de dossier : faites d'abord votre demande.",
                message_text=text,
            )
        await post_message(session, found[0], text, files, sessions=session_api(deps))
    except (ApiError, InvalidDraftError) as exc:
        status_code, error, field_errors = explained(exc, undone, "message")
        return await messages_page(
            request,
            session,
            deps,
            status_code=status_code,
            error=error,
            field_errors=field_errors,
            message_text=text,
            # A browser never fills a file input again: the page says to choose them anew.
            files_again="message" if files else None,
        )
    return go(f"{MESSAGES}#thread-end", "message_sent")


@router.get(f"{MESSAGES}/attachments/{{attachment_id}}", response_model=None)
async def attachment(
    request: Request, session: Beneficiary, deps: Deps, attachment_id: UUID
) -> Response:
    """Download a file of the thread or of a task; the service says whether it is theirs."""
    try:
        stream = await download_attachment(session, attachment_id, sessions=session_api(deps))
    except ApiError as exc:
        return await error_page(
            request, exc.status if exc.status in (403, 404) else shown_status(exc)
        )
    return attachment_response(stream)


@router.post("/beneficiary/tasks/{task_id}/complete", response_model=None)
async def complete(request: Request, session: Beneficiary, deps: Deps, task_id: UUID) -> Response:
    """Mark a task done with an optional note and files; a refusal keeps the note typed."""
    form = await request.form()
    note = str(form.get("note", ""))[:MAX_TEXT]
    files = await uploads_of(form, "files")
    try:
        await complete_task(session, task_id, note, files, sessions=session_api(deps))
    except ApiError as exc:
        status_code, error, field_errors = explained(
            exc, "Le travail n'est pas marqué comme fait.", task_prefix(task_id)
        )
        return await messages_page(
            request,
            session,
            deps,
            status_code=status_code,
            error=error,
            field_errors=field_errors,
            task_forms={str(task_id): note},
            files_again=task_prefix(task_id) if files else None,
        )
    return go(f"{MESSAGES}#task-{task_id}", "task_completed")

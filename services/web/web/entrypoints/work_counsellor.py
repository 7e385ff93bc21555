"""The counsellor's side of the work between sessions, on the case page: replies, tasks, calls."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from jalon_shared.access import Role
from web.application.appointment_drafts import InvalidDraftError
from web.application.assign_task import TaskDraft, assign_task
from web.application.download_attachment import download_attachment
from web.application.errors import ApiError
from web.application.log_call import CallDraft, log_call
from web.application.post_message import post_message
from web.domain.sessions import Session
from web.entrypoints.appointment_pages import go
from web.entrypoints.counsellor import case_page
from web.entrypoints.deps import Deps
from web.entrypoints.document_pages import shown_status
from web.entrypoints.errors import error_page
from web.entrypoints.session import persona
from web.entrypoints.session_pages import (
    attachment_response,
    explained,
    session_api,
    uploads_of,
)

router = APIRouter(tags=["counsellor"])
Counsellor = Annotated[Session, Depends(persona(Role.COUNSELLOR))]
#: The longest text echoed back to a refused form (the service's limits are lower).
MAX_TEXT = 10_000


def case_url(case_id: UUID, section: str) -> str:
    """Return the case page at one of its sections."""
    return f"/counsellor/cases/{case_id}#{section}"


@router.post("/counsellor/cases/{case_id}/messages", response_model=None)
async def reply(request: Request, session: Counsellor, deps: Deps, case_id: UUID) -> Response:
    """Write to the person, with up to 3 files; a refusal keeps the text typed."""
    form = await request.form()
    text = str(form.get("text", ""))[:MAX_TEXT]
    files = await uploads_of(form, "files")
    try:
        await post_message(session, case_id, text, files, sessions=session_api(deps))
    except ApiError as exc:
        status_code, error, field_errors = explained(exc, "Le message n'est pas envoyé.", "reply")
        return await case_page(
            request,
            session,
            deps,
            case_id,
            status_code=status_code,
            error=error,
            field_errors=field_errors,
            reply_text=text,
            # A browser never fills a file input again: the page says to choose them anew.
            files_again="reply" if files else None,
        )
    return go(case_url(case_id, "thread-end"), "message_sent")


@router.post("/counsellor/cases/{case_id}/tasks", response_model=None)
async def assign(request: Request, session: Counsellor, deps: Deps, case_id: UUID) -> Response:
    """Give the person a task; a refusal keeps the form as typed and names the field."""
    form = await request.form()
    draft = TaskDraft(
        title=str(form.get("title", ""))[:1000],
        instructions=str(form.get("instructions", ""))[:MAX_TEXT],
        kind=str(form.get("kind", ""))[:64],
        due_on=str(form.get("due_on", ""))[:32],
    )
    try:
        await assign_task(session, case_id, draft, sessions=session_api(deps))
    except ApiError as exc:
        status_code, error, field_errors = explained(exc, "Le travail n'est pas confié.", "task")
        return await case_page(
            request,
            session,
            deps,
            case_id,
            status_code=status_code,
            error=error,
            field_errors=field_errors,
            task_draft=draft,
        )
    return go(case_url(case_id, "tasks"), "task_assigned")


@router.post("/counsellor/cases/{case_id}/calls", response_model=None)
async def log(request: Request, session: Counsellor, deps: Deps, case_id: UUID) -> Response:
    """Log a phone call: its day, start and end in Paris time, and how it went."""
    form = await request.form()
    draft = CallDraft(
        day=str(form.get("date", ""))[:32],
        start=str(form.get("started_at", ""))[:32],
        end=str(form.get("ended_at", ""))[:32],
        outcome=str(form.get("outcome", ""))[:64],
    )
    try:
        await log_call(session, case_id, draft, sessions=session_api(deps))
    except (ApiError, InvalidDraftError) as exc:
        status_code, error, field_errors = explained(exc, "L'appel n'est pas consigné.", "call")
        return await case_page(
            request,
            session,
            deps,
            case_id,
            status_code=status_code,
            error=error,
            field_errors=field_errors,
            call_draft=draft,
        )
    return go(case_url(case_id, "calls"), "call_logged")


@router.get("/counsellor/attachments/{attachment_id}", response_model=None)
async def attachment(
    request: Request, session: Counsellor, deps: Deps, attachment_id: UUID
) -> Response:
    """Download a file of a case's thread or tasks; the service says whether it is in reach."""
    try:
        stream = await download_attachment(session, attachment_id, sessions=session_api(deps))
    except ApiError as exc:
        return await error_page(
            request, exc.status if exc.status in (403, 404) else shown_status(exc)
        )
    return attachment_response(stream)

"""The beneficiary's documents: summaries to read, comment and sign, files to keep and share."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from jalon_shared.access import Role
from web.application.appointment_drafts import InvalidDraftError
from web.application.comment_on_summary import comment_on_summary
from web.application.decline_summary import decline_summary
from web.application.delete_document import delete_document
from web.application.document_views import MAX_UPLOAD_BYTES
from web.application.download_document import download_document
from web.application.errors import ApiError, FieldError
from web.application.open_summary_pdf import open_summary_pdf
from web.application.revoke_share import revoke_share
from web.application.send_signing_code import send_signing_code
from web.application.share_document import ShareDraft, share_document
from web.application.show_own_documents import show_own_documents
from web.application.show_summary import show_summary
from web.application.sign_summary import sign_summary
from web.application.upload_document import upload_document
from web.domain.sessions import Session
from web.entrypoints.appointment_pages import go, message_for
from web.entrypoints.deps import Deps, WebDeps
from web.entrypoints.document_pages import (
    ACTION_MESSAGES,
    CONFLICTS,
    client_of,
    document_api,
    field_messages,
    file_response,
    public_base,
    refusal,
    shown_status,
    upload_of,
    wrong_code_message,
)
from web.entrypoints.errors import error_page
from web.entrypoints.pages import render
from web.entrypoints.session import persona

router = APIRouter(tags=["beneficiary"])
Beneficiary = Annotated[Session, Depends(persona(Role.BENEFICIARY))]
DOCUMENTS = "/beneficiary/documents"
TITLE = "Mes documents"
SUMMARY_TITLE = "Document de synthèse"
#: Refusals after which the code form is of no use: a new code, or nothing, is needed.
NEW_CODE_NEEDED = frozenset({"locked", "code_expired", "no_code", "expired", "not_submitted"})


def summary_url(document_id: UUID) -> str:
    """Return the beneficiary's page of a summary."""
    return f"/beneficiary/summaries/{document_id}"


def field_refusal(exc: ApiError | InvalidDraftError) -> tuple[FieldError, ...]:
    """Return the fields a refusal names: the page's own checks, or the service's 413/415/422."""
    if isinstance(exc, InvalidDraftError):
        return exc.errors
    if exc.status == 413:
        return (FieldError("file", "too_large"),)
    if exc.status == 415:
        return (FieldError("file", "unsupported_type"),)
    return exc.errors if exc.status == 422 else ()


def explained(exc: ApiError | InvalidDraftError, undone: str) -> tuple[int, str, dict[str, str]]:
    """Return a refusal's status, its French sentence and its messages by field."""
    errors = field_refusal(exc)
    if errors:
        first = message_for(errors[0], ACTION_MESSAGES)
        return 422, f"{undone} {first}", field_messages(errors, ACTION_MESSAGES)
    if isinstance(exc, ApiError):
        return shown_status(exc), refusal(exc, undone), {}
    return 422, undone, {}


# Mes documents --------------------------------------------------------------------------------


async def documents_page(
    request: Request, session: Session, deps: WebDeps, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render "Mes documents", with an action's refusal or a new share's link when there is one."""
    docs = await show_own_documents(session, documents=document_api(deps))
    context.setdefault("share_forms", {})
    return await render(
        request,
        "documents_beneficiary.html",
        TITLE,
        status_code=status_code,
        docs=docs,
        now=deps.clock(),
        **context,
    )


@router.get(DOCUMENTS, response_class=HTMLResponse)
async def my_documents(request: Request, session: Beneficiary, deps: Deps) -> HTMLResponse:
    """Show the summaries, the files with their shares, and the upload form."""
    return await documents_page(request, session, deps)


@router.post(DOCUMENTS, response_model=None)
async def upload(request: Request, session: Beneficiary, deps: Deps) -> Response:
    """Deposit a file (PDF, PNG or JPEG, 10 MB at most); a refusal keeps the title typed."""
    form = await request.form()
    title = str(form.get("title", ""))[:300]
    file = await upload_of(form, "file", MAX_UPLOAD_BYTES)
    try:
        await upload_document(session, title, file, documents=document_api(deps))
    except (ApiError, InvalidDraftError) as exc:
        status_code, error, field_errors = explained(exc, "Le fichier n'est pas déposé.")
        return await documents_page(
            request,
            session,
            deps,
            status_code=status_code,
            error=error,
            field_errors=field_errors,
            upload_title=title,
        )
    return go(DOCUMENTS, "document_uploaded")


@router.get(f"{DOCUMENTS}/{{document_id}}/download", response_model=None)
async def download(
    request: Request, session: Beneficiary, deps: Deps, document_id: UUID
) -> Response:
    """Download one of the beneficiary's documents."""
    try:
        stream = await download_document(session, document_id, documents=document_api(deps))
    except ApiError as exc:
        return await error_page(
            request, exc.status if exc.status in (403, 404) else shown_status(exc)
        )
    return file_response(stream, fallback_name="document", inline=False)


@router.post(f"{DOCUMENTS}/{{document_id}}/delete", response_model=None)
async def delete(request: Request, session: Beneficiary, deps: Deps, document_id: UUID) -> Response:
    """Delete a deposited file for good; its shares stop working."""
    try:
        await delete_document(session, document_id, documents=document_api(deps))
    except ApiError as exc:
        return await documents_page(
            request,
            session,
            deps,
            status_code=shown_status(exc),
            error=refusal(exc, "Le document n'est pas supprimé."),
        )
    return go(DOCUMENTS, "document_deleted")


@router.post(f"{DOCUMENTS}/{{document_id}}/shares", response_model=None)
async def share(request: Request, session: Beneficiary, deps: Deps, document_id: UUID) -> Response:
    """Create a time-limited link, only with the consent box ticked; its link is shown once."""
    form = await request.form()
    draft = ShareDraft(
        recipient=str(form.get("recipient", ""))[:300],
        purpose=str(form.get("purpose", ""))[:600],
        days=str(form.get("days", ""))[:4],
        consent=form.get("consent") == "yes",
    )
    try:
        created = await share_document(session, document_id, draft, documents=document_api(deps))
    except (ApiError, InvalidDraftError) as exc:
        status_code, error, field_errors = explained(exc, "Le lien de partage n'est pas créé.")
        return await documents_page(
            request,
            session,
            deps,
            status_code=status_code,
            error=error,
            # Each document has its own share form: its fields are named after the document.
            field_errors={f"share-{k}-{document_id}": v for k, v in field_errors.items()},
            share_forms={str(document_id): draft},
            open_share=str(document_id),
        )
    # Shown on this answer only: the link's secret is never kept by the front.
    return await documents_page(
        request,
        session,
        deps,
        created=created,
        created_for=str(document_id),
        created_url=f"{public_base(request)}/partage/{created.token}",
    )


@router.post("/beneficiary/shares/{share_id}/revoke", response_model=None)
async def revoke(request: Request, session: Beneficiary, deps: Deps, share_id: UUID) -> Response:
    """End a share: its link stops working at once."""
    try:
        await revoke_share(session, share_id, documents=document_api(deps))
    except ApiError as exc:
        return await documents_page(
            request,
            session,
            deps,
            status_code=shown_status(exc),
            error=refusal(exc, "Le partage n'est pas retiré."),
        )
    return go(DOCUMENTS, "share_revoked")


# One summary: read, comment, sign or decline --------------------------------------------------


async def summary_page(
    request: Request,
    session: Session,
    deps: WebDeps,
    document_id: UUID,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render a summary with what the beneficiary may do at its stage."""
    try:
        page = await show_summary(session, document_id, documents=document_api(deps))
    except ApiError as exc:
        return await error_page(
            request, exc.status if exc.status in (403, 404) else shown_status(exc)
        )
    return await render(
        request,
        "summary_beneficiary.html",
        SUMMARY_TITLE,
        status_code=status_code,
        page=page,
        **context,
    )


@router.get("/beneficiary/summaries/{document_id}", response_model=None)
async def summary(
    request: Request,
    session: Beneficiary,
    deps: Deps,
    document_id: UUID,
    step: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    """Show a summary to read and comment, and to sign once submitted."""
    return await summary_page(request, session, deps, document_id, code_form=step == "code")


@router.post("/beneficiary/summaries/{document_id}/comments", response_model=None)
async def comment(
    request: Request, session: Beneficiary, deps: Deps, document_id: UUID
) -> Response:
    """Add a comment for the counsellor."""
    text = str((await request.form()).get("text", ""))[:5000]
    try:
        await comment_on_summary(session, document_id, text, documents=document_api(deps))
    except (ApiError, InvalidDraftError) as exc:
        status_code, error, field_errors = explained(exc, "Le commentaire n'est pas envoyé.")
        return await summary_page(
            request,
            session,
            deps,
            document_id,
            status_code=status_code,
            error=error,
            field_errors=field_errors,
            comment_text=text,
        )
    return go(f"{summary_url(document_id)}#comments", "comment_added")


@router.get("/beneficiary/summaries/{document_id}/pdf", response_model=None)
async def pdf(request: Request, session: Beneficiary, deps: Deps, document_id: UUID) -> Response:
    """Show the summary's PDF in the browser."""
    return await summary_file(request, session, deps, document_id, inline=True)


@router.get("/beneficiary/summaries/{document_id}/download", response_model=None)
async def signed_download(
    request: Request, session: Beneficiary, deps: Deps, document_id: UUID
) -> Response:
    """Download the signed summary (the sealed PDF)."""
    return await summary_file(request, session, deps, document_id, inline=False)


async def summary_file(
    request: Request, session: Session, deps: WebDeps, document_id: UUID, *, inline: bool
) -> Response:
    """Pass the summary's PDF on, shown or downloaded."""
    try:
        stream = await open_summary_pdf(session, document_id, documents=document_api(deps))
    except ApiError as exc:
        return await error_page(
            request, exc.status if exc.status in (403, 404) else shown_status(exc)
        )
    return file_response(stream, fallback_name="document-de-synthese.pdf", inline=inline)


@router.post("/beneficiary/summaries/{document_id}/code", response_model=None)
async def send_code(
    request: Request, session: Beneficiary, deps: Deps, document_id: UUID
) -> Response:
    """Send the one-time signing code by e-mail, then show where it went and the code form."""
    try:
        sent = await send_signing_code(
            session, document_id, client=client_of(request), documents=document_api(deps)
        )
    except ApiError as exc:
        return await summary_page(
            request,
            session,
            deps,
            document_id,
            status_code=shown_status(exc),
            error=refusal(exc, "Le code n'est pas envoyé."),
        )
    # Answered as a page, not a redirect: where the code went is said once, never put in a URL.
    return await summary_page(
        request,
        session,
        deps,
        document_id,
        code_form=True,
        code_sent=sent.sent_to,
        code_expires=sent.expires_at,
    )


@router.post("/beneficiary/summaries/{document_id}/sign", response_model=None)
async def sign(request: Request, session: Beneficiary, deps: Deps, document_id: UUID) -> Response:
    """Sign with the code received; a wrong code says how many tries are left."""
    form = await request.form()
    code = str(form.get("code", ""))[:20]
    sent_to = str(form.get("sent_to", ""))[:254] or None
    undone = "Le document n'est pas signé."
    try:
        await sign_summary(
            session, document_id, code, client=client_of(request), documents=document_api(deps)
        )
    except InvalidDraftError as exc:
        message = message_for(exc.errors[0], ACTION_MESSAGES)
        return await summary_page(
            request,
            session,
            deps,
            document_id,
            status_code=422,
            error=f"{undone} {message}",
            field_errors={"code": message},
            code_form=True,
            code_sent=sent_to,
        )
    except ApiError as exc:
        wrong = next((e for e in exc.errors if e.type == "wrong_code"), None)
        if exc.status == 422 and wrong is not None:
            message = wrong_code_message(wrong)
            still = message != CONFLICTS["locked"]
            return await summary_page(
                request,
                session,
                deps,
                document_id,
                status_code=422,
                error=message,
                field_errors={"code": message} if still else {},
                code_form=still,
                code_sent=sent_to,
            )
        reason = next((e.type for e in exc.errors if e.type), "")
        return await summary_page(
            request,
            session,
            deps,
            document_id,
            status_code=shown_status(exc),
            error=refusal(exc, undone),
            code_form=reason not in NEW_CODE_NEEDED,
            code_sent=sent_to,
        )
    return go(summary_url(document_id), "summary_signed")


@router.post("/beneficiary/summaries/{document_id}/decline", response_model=None)
async def decline(
    request: Request, session: Beneficiary, deps: Deps, document_id: UUID
) -> Response:
    """Refuse to sign, with the reason given if any."""
    reason = str((await request.form()).get("reason", ""))[:3000]
    try:
        await decline_summary(
            session, document_id, reason, client=client_of(request), documents=document_api(deps)
        )
    except (ApiError, InvalidDraftError) as exc:
        status_code, error, field_errors = explained(exc, "Votre refus n'est pas enregistré.")
        return await summary_page(
            request,
            session,
            deps,
            document_id,
            status_code=status_code,
            error=error,
            field_errors=field_errors,
            decline_open=True,
            decline_reason=reason,
        )
    return go(summary_url(document_id), "summary_declined")

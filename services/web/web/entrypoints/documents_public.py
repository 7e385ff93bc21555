"""Pages for anyone, without an account: checking a signed PDF, and opening a shared document."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from web.application.appointment_drafts import InvalidDraftError
from web.application.document_views import MAX_VERIFY_BYTES
from web.application.errors import ApiError
from web.application.open_share import open_share
from web.application.verify_document import verify_document
from web.entrypoints.appointment_pages import message_for
from web.entrypoints.deps import Deps
from web.entrypoints.document_pages import (
    client_of,
    document_api,
    file_response,
    refusal,
    safe_filename,
    shown_status,
    upload_of,
)
from web.entrypoints.errors import error_page
from web.entrypoints.pages import render

router = APIRouter(tags=["public"])
VERIFY = "/verifier"
VERIFY_TITLE = "Vérifier un document signé"
ShareToken = Annotated[str, Path(max_length=256)]
GONE = (
    "Ce lien de partage ne fonctionne pas ou plus : il a été retiré par la personne qui l'a "
    "créé, il a expiré, ou il a été recopié incomplètement. Demandez-lui un nouveau lien."
)
VERIFY_MESSAGES: dict[tuple[str, str] | str, str] = {
    ("file", "too_large"): (
        "Le fichier dépasse 20 Mo : ce ne peut pas être un document délivré par Jalon."
    ),
    "file": "Choisissez le fichier PDF à vérifier.",
}


@router.get(VERIFY, response_class=HTMLResponse)
async def verify_form(request: Request, deps: Deps) -> HTMLResponse:
    """Offer to check a signed summary: is it Jalon's, and unchanged since its signature?"""
    document_api(deps)
    return await render(request, "verifier.html", VERIFY_TITLE)


@router.post(VERIFY, response_class=HTMLResponse)
async def verify(request: Request, deps: Deps) -> HTMLResponse:
    """Check the PDF sent and say, in plain words, what holds and what does not."""
    upload = await upload_of(await request.form(), "file", MAX_VERIFY_BYTES)
    try:
        report = await verify_document(upload, documents=document_api(deps))
    except InvalidDraftError as exc:
        message = message_for(exc.errors[0], VERIFY_MESSAGES)
        return await render(
            request,
            "verifier.html",
            VERIFY_TITLE,
            status_code=422,
            error=f"Le document n'est pas vérifié. {message}",
            field_errors={"file": message},
        )
    except ApiError as exc:
        return await render(
            request,
            "verifier.html",
            VERIFY_TITLE,
            status_code=shown_status(exc),
            error=refusal(exc, "Le document n'est pas vérifié."),
        )
    # The signature's problems and the service's own, each said once, in order.
    problems = list(dict.fromkeys((*report.signature.problems, *report.problems)))
    return await render(
        request,
        "verifier.html",
        VERIFY_TITLE,
        report=report,
        problems=problems,
        filename=safe_filename(upload.filename if upload else None, ""),
    )


@router.get("/partage/{token}", response_model=None)
async def shared(request: Request, deps: Deps, token: ShareToken) -> Response:
    """Hand over the shared document (its opening is recorded for its owner), or say it is gone."""
    try:
        stream = await open_share(token, client=client_of(request), documents=document_api(deps))
    except ApiError as exc:
        if exc.status in (403, 404, 410):
            return await render(
                request,
                "message.html",
                "Lien de partage non valable",
                status_code=404,
                error=GONE,
                back="/",
            )
        return await error_page(request, shown_status(exc))
    return file_response(stream, fallback_name="document", inline=False)

"""Every refusal and failure answers an HTML page in French with a way back, never JSON."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException

from web.application.errors import ApiError
from web.domain.rate_limits import TooManyAttemptsError
from web.entrypoints.pages import render, render_bare
from web.entrypoints.security import BodyTooLargeError
from web.entrypoints.session import (
    SPACE_TITLES,
    SPACES,
    FormTokenError,
    SignInRequiredError,
    WrongPersonaError,
    current_session,
    sign_in_page,
)

log = structlog.get_logger(__name__)

#: What a page says for a status it did not explain itself.
STATUS_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Demande incorrecte", "La demande n'a pas pu être comprise."),
    401: ("Connexion nécessaire", "Connectez-vous pour continuer."),
    403: ("Accès refusé", "Vous n'avez pas accès à cette page ou à ce dossier."),
    404: ("Page introuvable", "Cette page ou ce dossier n'existe pas, ou plus."),
    405: ("Action impossible", "Cette adresse ne s'utilise pas de cette façon."),
    409: (
        "Action impossible",
        "Cette action n'est pas possible dans l'état actuel du dossier ; il a peut-être changé "
        "entre-temps. Rechargez le dossier.",
    ),
    413: ("Envoi trop volumineux", "Les informations envoyées sont trop volumineuses."),
    422: (
        "Informations invalides",
        "Certaines informations envoyées ne sont pas valides. Revenez en arrière et corrigez-les.",
    ),
    429: ("Trop de tentatives", "Trop de tentatives. Patientez un moment avant de réessayer."),
    500: ("Erreur", "Une erreur est survenue de notre côté. Réessayez dans un instant."),
    502: ("Service indisponible", "Un service de Jalon a mal répondu. Réessayez dans un instant."),
    503: (
        "Service indisponible",
        "Le service est momentanément indisponible. Réessayez dans un instant.",
    ),
}


def explain(status_code: int) -> tuple[str, str]:
    """Return the title and sentence of a status."""
    if status_code in STATUS_MESSAGES:
        return STATUS_MESSAGES[status_code]
    return STATUS_MESSAGES[500 if status_code >= 500 else 400]


async def back_link(request: Request) -> str:
    """Return where a person goes back to: their own space, or the home page."""
    session = await current_session(request)
    return SPACES.get(session.principal.role, "/") if session else "/"


async def error_page(
    request: Request, status_code: int, *, message: str | None = None, **headers: str
) -> Response:
    """Render the page of an error status."""
    title, sentence = explain(status_code)
    return await render(
        request,
        "message.html",
        title,
        status_code=status_code,
        headers=headers or None,
        error=message or sentence,
        back=await back_link(request),
    )


def install_error_pages(app: FastAPI) -> None:
    """Answer every error of the front with a page."""

    @app.exception_handler(SignInRequiredError)
    async def sign_in_required(_: Request, exc: SignInRequiredError) -> Response:
        return RedirectResponse(sign_in_page(exc.role), status_code=status.HTTP_303_SEE_OTHER)

    @app.exception_handler(WrongPersonaError)
    async def wrong_persona(request: Request, exc: WrongPersonaError) -> Response:
        return await render(
            request,
            "message.html",
            SPACE_TITLES[exc.role],
            status_code=403,
            error=(
                "Cet espace n'est pas accessible avec votre compte. "
                "Déconnectez-vous pour changer de compte."
            ),
            back=await back_link(request),
        )

    @app.exception_handler(FormTokenError)
    async def form_token_refused(request: Request, _: FormTokenError) -> Response:
        return await error_page(
            request,
            403,
            message=(
                "Ce formulaire a expiré ou ne vient pas de Jalon. Rechargez la page et recommencez."
            ),
        )

    @app.exception_handler(TooManyAttemptsError)
    async def too_many(request: Request, exc: TooManyAttemptsError) -> Response:
        return await error_page(request, 429, **{"Retry-After": str(exc.retry_after_seconds)})

    @app.exception_handler(ApiError)
    async def service_refused(request: Request, exc: ApiError) -> Response:
        log.info("service refusal shown", status=exc.status)
        shown = exc.status if exc.status in STATUS_MESSAGES else 502
        return await error_page(request, shown)

    @app.exception_handler(BodyTooLargeError)
    async def too_large(request: Request, _: BodyTooLargeError) -> Response:
        return await error_page(request, 413)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return await error_page(request, exc.status_code, **(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        log.info("invalid request", fields=len(exc.errors()))
        return await error_page(request, 422)

    @app.exception_handler(PyMongoError)
    async def storage_error(request: Request, exc: PyMongoError) -> Response:
        log.error("storage error", error_type=type(exc).__name__)
        title, sentence = explain(503)
        return render_bare(request, title, sentence, status_code=503)

    @app.exception_handler(Exception)
    async def unhandled(request: Request, exc: Exception) -> Response:
        log.error("unhandled error", error_type=type(exc).__name__, exc_info=exc)
        title, sentence = explain(500)
        return render_bare(request, title, sentence, status_code=500)

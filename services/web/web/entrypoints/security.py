"""Browser protections of every page: same-origin posts, page headers, bounded bodies."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import structlog
from fastapi import Request
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.application.document_views import MAX_UPLOAD_BYTES, MAX_VERIFY_BYTES
from web.entrypoints.pages import render_bare

log = structlog.get_logger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Sec-Fetch-Site values a browser sends for a request this origin's own page made.
SAME_ORIGIN_FETCH = frozenset({"same-origin", "none"})
#: Forms are small; anything larger is refused before it is read.
MAX_BODY_BYTES = 64 * 1024
#: What an upload form adds to its file: the multipart framing and the form's other fields.
UPLOAD_MARGIN = 64 * 1024
TOO_LARGE = "Les informations envoyées sont trop volumineuses. Raccourcissez vos textes."


@dataclass(frozen=True, slots=True)
class UploadRoute:
    """A post that carries a file, with its own body limit and what to say past it."""

    path: re.Pattern[str]
    max_bytes: int
    message: str
    back_label: str
    #: Where the refusal page leads back to, from the path posted to.
    back: str | None = None
    drop_suffix: str = ""

    def back_from(self, path: str) -> str:
        """Return the page the refusal leads back to."""
        return self.back if self.back is not None else path.removesuffix(self.drop_suffix)


#: A message or a completed task: up to 3 files of 10 MB, with their text.
MESSAGE_FILES_BYTES = 3 * MAX_UPLOAD_BYTES + UPLOAD_MARGIN
FILES_TOO_LARGE = (
    "Les fichiers joints sont trop volumineux : 3 fichiers au plus, de 10 Mo chacun. "
    "Choisissez des fichiers plus légers, puis recommencez."
)
_UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
#: The only posts allowed past MAX_BODY_BYTES: each file form, up to its file's limit.
UPLOAD_ROUTES = (
    UploadRoute(
        re.compile(r"/beneficiary/documents"),
        MAX_UPLOAD_BYTES + UPLOAD_MARGIN,
        "Le fichier envoyé dépasse 10 Mo : choisissez un fichier plus léger.",
        "Retour à mes documents",
        back="/beneficiary/documents",
    ),
    UploadRoute(
        re.compile(rf"/counsellor/summaries/{_UUID}/paper"),
        MAX_UPLOAD_BYTES + UPLOAD_MARGIN,
        "La numérisation envoyée dépasse 10 Mo : numérisez en qualité plus basse ou en noir "
        "et blanc, puis recommencez.",
        "Retour au document",
        drop_suffix="/paper",
    ),
    UploadRoute(
        re.compile(r"/beneficiary/messages"),
        MESSAGE_FILES_BYTES,
        FILES_TOO_LARGE,
        "Retour à mes messages",
        back="/beneficiary/messages",
    ),
    UploadRoute(
        re.compile(rf"/beneficiary/tasks/{_UUID}/complete"),
        MESSAGE_FILES_BYTES,
        FILES_TOO_LARGE,
        "Retour à mes messages",
        back="/beneficiary/messages",
    ),
    UploadRoute(
        re.compile(rf"/counsellor/cases/{_UUID}/messages"),
        MESSAGE_FILES_BYTES,
        FILES_TOO_LARGE,
        "Retour au dossier",
        drop_suffix="/messages",
    ),
    UploadRoute(
        re.compile(r"/verifier"),
        MAX_VERIFY_BYTES + UPLOAD_MARGIN,
        "Le fichier envoyé dépasse 20 Mo : ce ne peut pas être un document délivré par Jalon.",
        "Retour à la vérification",
        back="/verifier",
    ),
)


def upload_route(method: str, path: str) -> UploadRoute | None:
    """Return the upload form a post goes to, or None for an ordinary form."""
    if method != "POST":
        return None
    return next((r for r in UPLOAD_ROUTES if r.path.fullmatch(path)), None)


PAGE_HEADERS = {
    # No script at all, forms only to this origin, never framed (the erase button is a target).
    "content-security-policy": (
        "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "x-content-type-options": "nosniff",
    # Not no-referrer: browsers then send "Origin: null" on every post, hiding same-origin ones.
    "referrer-policy": "same-origin",
    # Pages carry personal data: no shared or back-button cache.
    "cache-control": "no-store",
}


class BodyTooLargeError(Exception):
    """A request body went past the limit while it was read."""


def is_cross_site(method: str, headers: Headers, own_origins: Iterable[str]) -> bool:
    """Return whether an unsafe request may come from another site's page.

    Browsers send Sec-Fetch-Site and Origin on every post; a request with neither is refused
    too, since no browser of ours sends one and the cookie alone must never be enough.
    """
    if method not in UNSAFE_METHODS:
        return False
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in SAME_ORIGIN_FETCH:
        return True
    origin = headers.get("origin")
    if origin is None or origin == "null":
        # Sec-Fetch-Site is set by the browser alone, so it vouches for a hidden origin.
        return fetch_site is None
    return origin not in set(own_origins)


class BrowserGuard:
    """Refuse cross-site posts (403 page) and large bodies (413 page); add the page headers."""

    def __init__(self, app: ASGIApp, public_origins: tuple[str, ...] = ()) -> None:
        self._app = app
        self._public_origins = public_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *(
                        (name.encode(), value.encode())
                        for name, value in PAGE_HEADERS.items()
                        if name.encode() not in present
                    ),
                ]
            await send(message)

        headers = Headers(scope=scope)
        own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"
        if is_cross_site(scope["method"], headers, (own, *self._public_origins)):
            log.warning("cross-site post refused", path=scope.get("path", ""))
            page = render_bare(
                Request(scope),
                "Demande refusée",
                "Cette action doit être faite depuis une page de Jalon. "
                "Revenez à l'accueil et recommencez.",
                status_code=403,
            )
            await page(scope, receive, send_with_headers)
            return
        path = scope.get("path", "")
        upload = upload_route(scope["method"], path)
        limit = upload.max_bytes if upload is not None else MAX_BODY_BYTES
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            page = render_bare(
                Request(scope),
                "Envoi trop volumineux",
                upload.message if upload is not None else TOO_LARGE,
                status_code=413,
                back=upload.back_from(path) if upload is not None else "/",
                back_label=upload.back_label if upload is not None else None,
            )
            await page(scope, receive, send_with_headers)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError
            return message

        await self._app(scope, limited_receive, send_with_headers)

"""Browser protections of every page: same-origin posts, page headers, bounded bodies."""

from __future__ import annotations

from collections.abc import Iterable

import structlog
from fastapi import Request
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.entrypoints.pages import render_bare

log = structlog.get_logger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Sec-Fetch-Site values a browser sends for a request this origin's own page made.
SAME_ORIGIN_FETCH = frozenset({"same-origin", "none"})
#: Forms are small; anything larger is refused before it is read.
MAX_BODY_BYTES = 64 * 1024

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
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            page = render_bare(
                Request(scope),
                "Envoi trop volumineux",
                "Les informations envoyées sont trop volumineuses. Raccourcissez vos textes.",
                status_code=413,
            )
            await page(scope, receive, send_with_headers)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise BodyTooLargeError
            return message

        await self._app(scope, limited_receive, send_with_headers)

"""HTTP plumbing shared by every service: correlation ids, body limits, health, AsyncAPI."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import structlog
from fastapi import APIRouter, FastAPI, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pymongo.errors import PyMongoError
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.contextvars import bind_contextvars, clear_contextvars

from jalon_shared.logging import new_correlation_id

log = structlog.get_logger(__name__)

CORRELATION_HEADER = "x-correlation-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

ReadinessCheck = Callable[[], Awaitable[bool]]


class CorrelationMiddleware:
    """Bind a correlation id for the whole request, taken from the caller or made anew."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope["headers"]:
            if name == CORRELATION_HEADER.encode():
                incoming = value.decode("latin-1")
                break
        correlation_id = incoming if _SAFE_ID.match(incoming) else new_correlation_id()
        clear_contextvars()
        bind_contextvars(correlation_id=correlation_id)

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (CORRELATION_HEADER.encode(), correlation_id.encode()),
                ]
            await send(message)

        await self._app(scope, receive, send_with_header)


class BodyLimitMiddleware:
    """Refuse request bodies over a size with 413 before they are read into memory."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self._app = app
        self._max = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self._max:
                response = JSONResponse(
                    {"detail": f"request body over {self._max} bytes"},
                    status_code=status.HTTP_413_CONTENT_TOO_LARGE,
                )
                await response(scope, receive, send)
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._max:
                    raise ValueError("request body too large")
            return message

        await self._app(scope, limited_receive, send)


def health_router(checks: dict[str, ReadinessCheck]) -> APIRouter:
    """Return /healthz (the process answers) and /readyz (every dependency answers)."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        results = {name: await check() for name, check in checks.items()}
        ready = all(results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": results},
            status_code=status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE,
        )

    return router


def asyncapi_router(render_json: Callable[[], str], render_html: Callable[[], str]) -> APIRouter:
    """Serve the service's AsyncAPI document as JSON and as a page."""
    router = APIRouter(tags=["docs"])

    @router.get("/asyncapi.json")
    async def asyncapi_json() -> Response:
        return Response(render_json(), media_type="application/json")

    @router.get("/asyncapi", response_class=HTMLResponse)
    async def asyncapi_html() -> HTMLResponse:
        return HTMLResponse(render_html())

    return router


def install_common(app: FastAPI, *, max_body_bytes: int = 2 * 1024 * 1024) -> None:
    """Install the middlewares and error handlers every service uses."""
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    app.add_middleware(CorrelationMiddleware)

    @app.exception_handler(PyMongoError)
    async def storage_error(_: Request, exc: PyMongoError) -> JSONResponse:
        if exc.has_error_label("TransientTransactionError"):
            log.warning("transaction conflict persisted", error_type=type(exc).__name__)
            return JSONResponse(
                {"detail": "busy: conflicting writes, retry shortly"},
                status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": "1"},
            )
        log.error("storage error", error_type=type(exc).__name__, exc_info=exc)
        return JSONResponse({"detail": "storage unavailable"}, status_code=503)

    @app.exception_handler(Exception)
    async def unhandled(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", error_type=type(exc).__name__, exc_info=exc)
        return JSONResponse({"detail": "internal error"}, status_code=500)

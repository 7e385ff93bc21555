"""HTTP plumbing shared by every service: error bodies, token admission, body checks, health."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import structlog
from fastapi import APIRouter, FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.contextvars import bind_contextvars, clear_contextvars

from jalon_shared.auth import TokenVerifier
from jalon_shared.http_auth import (
    CHALLENGE,
    PRINCIPAL_SCOPE_KEY,
    UnauthenticatedError,
    authenticate,
    is_public,
)
from jalon_shared.logging import new_correlation_id

log = structlog.get_logger(__name__)

CORRELATION_HEADER = "x-correlation-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
#: Enough to say what is wrong with a body, never enough to carry it back to the caller.
MAX_ERRORS = 20
MAX_FIELD_CHARS = 100
MAX_MESSAGE_CHARS = 200
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

ReadinessCheck = Callable[[], Awaitable[bool]]
ErrorLocation = Literal["body", "query", "path", "header"]


class ErrorItem(BaseModel):
    """What is wrong with one field of a request."""

    location: ErrorLocation
    field: str = Field(description="dotted path in the body, or the parameter name")
    type: str = Field(description="pydantic error type, or one of Jalon's own codes")
    message: str = Field(description="English, never echoing the submitted value")


class ErrorBody(BaseModel):
    """The body of every 4xx and 5xx answer; `errors` only where fields are at fault."""

    detail: str
    errors: list[ErrorItem] | None = None


class ApiError(Exception):
    """A refusal a route raises, answered with an ErrorBody."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        errors: Sequence[ErrorItem] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.errors = list(errors) if errors is not None else None
        self.headers = dict(headers or {})


def error_response(
    status_code: int,
    detail: str,
    errors: Sequence[ErrorItem] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Return an ErrorBody answer."""
    body = ErrorBody(detail=detail, errors=list(errors) if errors is not None else None)
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=status_code,
        headers=dict(headers or {}),
    )


STATUS_DESCRIPTIONS: dict[int, str] = {
    401: "No bearer token, or an invalid or expired one (answered before the body is read)",
    403: "The caller's role or region may not do this",
    404: "Unknown resource",
    409: "The current state refuses the change",
    413: "The body is too large",
    415: "The body is not application/json",
    422: "Invalid input: `errors` names each field at fault",
    429: "Too many requests",
    503: "Storage or broker unavailable, or conflicting writes: retry shortly",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return the `responses=` declaring a route's error answers with the ErrorBody schema."""
    return {
        code: {"model": ErrorBody, "description": STATUS_DESCRIPTIONS[code]}
        for code in sorted(set(statuses))
    }


#: The errors any authenticated JSON route can give, before its own.
AUTHENTICATED = (401, 403, 503)
#: The errors any route reading a JSON body can give, on top.
WITH_BODY = (413, 415, 422)


_FIXED_MESSAGES: dict[str, str] = {
    # Pydantic quotes the offending character or reason for these: say what is expected instead.
    "uuid_parsing": "Input should be a valid UUID",
    "uuid_type": "Input should be a valid UUID",
    "json_invalid": "The body is not valid JSON",
    "missing": "Field required",
}
_EMAIL_PREFIX = "value is not a valid email address"
#: Where FastAPI locates an error, in the contract's terms (a cookie travels in a header).
_LOCATIONS: dict[str, ErrorLocation] = {
    "body": "body",
    "query": "query",
    "path": "path",
    "header": "header",
    "cookie": "header",
}
_VALUE_ERROR_PREFIX = "Value error, "


def safe_message(error: Mapping[str, Any]) -> str:
    """Return a validation message that cannot carry the submitted value back."""
    kind = str(error.get("type", ""))
    if kind in _FIXED_MESSAGES:
        return _FIXED_MESSAGES[kind]
    message = str(error.get("msg", ""))
    if message.startswith(_VALUE_ERROR_PREFIX):
        message = message[len(_VALUE_ERROR_PREFIX) :]
    if message.startswith(_EMAIL_PREFIX):
        # email-validator's reasons quote parts of the address.
        return _EMAIL_PREFIX
    submitted = error.get("input")
    if isinstance(submitted, str) and len(submitted) >= 3 and submitted in message:
        return "Invalid value"
    return message[:MAX_MESSAGE_CHARS] or "Invalid value"


def validation_items(errors: Iterable[Mapping[str, Any]]) -> list[ErrorItem]:
    """Turn pydantic errors into ErrorItems, dropping their `input` and `ctx`."""
    items: list[ErrorItem] = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        head = str(loc[0]) if loc else ""
        location = _LOCATIONS.get(head, "body")
        path = loc[1:] if head in _LOCATIONS else loc
        kind = str(error.get("type", "value_error"))
        # A JSON syntax error is located by character offset, which names no field.
        field = "" if kind == "json_invalid" else ".".join(str(part) for part in path)
        items.append(
            ErrorItem(
                location=location,
                field=field[:MAX_FIELD_CHARS],
                type=kind[:MAX_FIELD_CHARS],
                message=safe_message(error),
            )
        )
    return items


#: What FastAPI says, with a 400, when a body cannot be decoded before validation.
FRAMEWORK_PARSE_ERROR = "There was an error parsing the body"
UNDECODABLE_BODY = ErrorItem(
    location="body", field="", type="json_invalid", message=_FIXED_MESSAGES["json_invalid"]
)


def invalid_input(items: Sequence[ErrorItem]) -> JSONResponse:
    """Return the 422 answer for invalid fields, listing at most MAX_ERRORS of them."""
    if len(items) > MAX_ERRORS:
        detail = f"The request has {len(items)} invalid fields; the first {MAX_ERRORS} are listed."
    else:
        detail = "The request is invalid; see errors."
    return error_response(
        status.HTTP_422_UNPROCESSABLE_CONTENT, detail, errors=list(items)[:MAX_ERRORS]
    )


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


class BearerAuthMiddleware:
    """Verify the bearer token of every non-public route before the body is read or parsed."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_public(scope["path"]):
            await self._app(scope, receive, send)
            return
        authorization = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
                break
        verifier: TokenVerifier = scope["app"].state.token_verifier
        try:
            scope[PRINCIPAL_SCOPE_KEY] = authenticate(authorization, verifier)
        except UnauthenticatedError as exc:
            response = error_response(status.HTTP_401_UNAUTHORIZED, exc.detail, headers=CHALLENGE)
            await response(scope, receive, send)
            return
        await self._app(scope, receive, send)


def _header(scope: Scope, wanted: bytes) -> bytes | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return bytes(value)
    return None


def is_json(content_type: bytes | None) -> bool:
    """Return whether a Content-Type names JSON (application/json or application/*+json)."""
    if content_type is None:
        return False
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or (
        media.startswith(b"application/") and media.endswith(b"+json")
    )


@dataclass(frozen=True, slots=True)
class RawBodyRoute:
    """A path whose body is not JSON (an upload, a PDF), with its own media types and size."""

    #: Matched against the whole request path, whatever the method: another method is the
    #: router's to refuse (405), not the media check's.
    path: re.Pattern[str]
    media_types: frozenset[str]
    max_bytes: int

    def matches(self, scope: Scope) -> bool:
        """Return whether a request is for this path."""
        return self.path.fullmatch(scope["path"]) is not None

    def accepts(self, content_type: bytes | None) -> bool:
        """Return whether a Content-Type names one of the route's media types."""
        if content_type is None:
            return False
        media = content_type.split(b";", 1)[0].strip().lower().decode("latin-1")
        return media in self.media_types


def raw_route_of(scope: Scope, routes: Sequence[RawBodyRoute]) -> RawBodyRoute | None:
    """Return the raw-body route a request is for, if any."""
    return next((route for route in routes if route.matches(scope)), None)


class JsonBodyMiddleware:
    """Refuse with 415 a POST, PUT or PATCH body that is not JSON (or its raw route's type)."""

    def __init__(self, app: ASGIApp, raw_routes: Sequence[RawBodyRoute] = ()) -> None:
        self._app = app
        self._raw = tuple(raw_routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in BODY_METHODS:
            length = _header(scope, b"content-length")
            has_body = _header(scope, b"transfer-encoding") is not None or (
                length is not None and length.strip() not in (b"", b"0")
            )
            content_type = _header(scope, b"content-type")
            raw = raw_route_of(scope, self._raw)
            if raw is not None:
                if has_body and not raw.accepts(content_type):
                    allowed = ", ".join(sorted(raw.media_types))
                    response = error_response(
                        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, f"the body must be {allowed}"
                    )
                    await response(scope, receive, send)
                    return
            elif has_body and not is_json(content_type):
                response = error_response(
                    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "the body must be application/json"
                )
                await response(scope, receive, send)
                return
        await self._app(scope, receive, send)


class BodyLimitMiddleware:
    """Refuse request bodies over a size with 413 before they are read into memory."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, raw_routes: Sequence[RawBodyRoute] = ()
    ) -> None:
        self._app = app
        self._max = max_bytes
        self._raw = tuple(raw_routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        raw = raw_route_of(scope, self._raw)
        limit = raw.max_bytes if raw is not None else self._max
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            response = error_response(
                status.HTTP_413_CONTENT_TOO_LARGE, f"request body over {limit} bytes"
            )
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI re-raises an HTTPException met while reading the body.
                    raise HTTPException(
                        status.HTTP_413_CONTENT_TOO_LARGE, f"request body over {limit} bytes"
                    )
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


_DEFAULT_422 = "#/components/schemas/HTTPValidationError"
_REF = "#/components/schemas/{model}"


def _use_error_body(node: Any) -> None:
    """Point every leftover reference to FastAPI's validation schema at ErrorBody."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and value == _DEFAULT_422:
                node[key] = _REF.format(model="ErrorBody")
            else:
                _use_error_body(value)
    elif isinstance(node, list):
        for value in node:
            _use_error_body(value)


def install_error_schema(app: FastAPI) -> None:
    """Make the OpenAPI document describe errors with ErrorBody, never FastAPI's default 422."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            _use_error_body(schema.get("paths", {}))
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            for name in ("HTTPValidationError", "ValidationError"):
                schemas.pop(name, None)
            body = ErrorBody.model_json_schema(ref_template=_REF)
            body.pop("$defs", None)
            schemas.setdefault("ErrorBody", body)
            schemas.setdefault("ErrorItem", ErrorItem.model_json_schema(ref_template=_REF))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_common(
    app: FastAPI,
    *,
    max_body_bytes: int = 2 * 1024 * 1024,
    json_api: bool = False,
    raw_routes: Sequence[RawBodyRoute] = (),
) -> None:
    """Install the middlewares and error handlers; a JSON API also gets token and media checks.

    raw_routes name the few routes of a JSON API that read another body (an upload), each with
    its media types and size limit.
    """
    # The web front (pages, forms, a session cookie) installs the common part only.
    # Added innermost first: correlation, then the token, the size and the media type.
    if json_api:
        app.add_middleware(JsonBodyMiddleware, raw_routes=raw_routes)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes, raw_routes=raw_routes)
    if json_api:
        app.add_middleware(BearerAuthMiddleware)
        install_error_schema(app)
    app.add_middleware(CorrelationMiddleware)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return invalid_input(validation_items(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def refused(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == status.HTTP_400_BAD_REQUEST and detail == FRAMEWORK_PARSE_ERROR:
            # FastAPI answers 400 for a body it cannot decode (not UTF-8); it is invalid JSON
            # like any other, so it gets the declared 422 and its error body.
            return invalid_input([UNDECODABLE_BODY])
        return error_response(exc.status_code, detail, headers=exc.headers)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status_code, exc.detail, exc.errors, exc.headers)

    @app.exception_handler(PyMongoError)
    async def storage_error(_: Request, exc: PyMongoError) -> JSONResponse:
        if exc.has_error_label("TransientTransactionError"):
            log.warning("transaction conflict persisted", error_type=type(exc).__name__)
            return error_response(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                "busy: conflicting writes, retry shortly",
                headers={"Retry-After": "1"},
            )
        log.error("storage error", error_type=type(exc).__name__, exc_info=exc)
        return error_response(status.HTTP_503_SERVICE_UNAVAILABLE, "storage unavailable")

    @app.exception_handler(Exception)
    async def unhandled(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", error_type=type(exc).__name__, exc_info=exc)
        return error_response(status.HTTP_500_INTERNAL_SERVER_ERROR, "internal error")


#: Every method a 405 can be answered for.
EVERY_METHOD = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})


def _refusal(allow: str) -> Callable[[], Awaitable[None]]:
    async def refuse() -> None:
        raise HTTPException(
            status.HTTP_405_METHOD_NOT_ALLOWED, "Method Not Allowed", {"Allow": allow}
        )

    return refuse


def answer_405_with_every_method(router: APIRouter) -> None:
    """Make a path served by several routes name all their methods in a 405's Allow header."""
    # Starlette answers 405 with the methods of the first route matching the path alone.
    methods: dict[str, set[str]] = {}
    for route in router.routes:
        if isinstance(route, APIRoute):
            methods.setdefault(route.path, set()).update(route.methods or ())
    for path, served in methods.items():
        if len(served) > 1:
            router.add_api_route(
                path,
                _refusal(", ".join(sorted(served))),
                methods=sorted(EVERY_METHOD - served),
                include_in_schema=False,
            )

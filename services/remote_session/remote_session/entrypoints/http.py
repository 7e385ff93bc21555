"""Remote session's HTTP API: a case's thread and its attachments, the tasks between sessions."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

import json
import re
import unicodedata
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from jalon_shared.access import Principal, Role
from jalon_shared.events.envelope import EventMeta
from jalon_shared.http import (
    AUTHENTICATED,
    WITH_BODY,
    ApiError,
    ErrorItem,
    RawBodyRoute,
    answer_405_with_every_method,
    error_responses,
)
from jalon_shared.http_auth import require_roles
from jalon_shared.logging import current_correlation_id
from remote_session.application.assign_task import assign_task
from remote_session.application.complete_task import complete_task
from remote_session.application.download_attachment import download_attachment
from remote_session.application.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    TooLargeError,
)
from remote_session.application.list_tasks import list_tasks
from remote_session.application.list_unanswered import list_unanswered
from remote_session.application.ports import (
    CaseDirectory,
    Clock,
    FileStore,
    Mailer,
    People,
    SessionQueries,
    UnitOfWork,
)
from remote_session.application.post_message import post_message
from remote_session.application.show_thread import show_thread
from remote_session.application.uploads import Upload
from remote_session.domain.attachments import (
    ATTACHMENT_MEDIA_TYPES,
    MAX_ATTACHMENTS,
    MAX_FILE_BYTES,
)
from remote_session.domain.tasks import MAX_NOTE_CHARS
from remote_session.domain.threads import MAX_TEXT_CHARS
from remote_session.entrypoints.schemas import (
    MessageForm,
    MessageView,
    TaskForm,
    TaskView,
    ThreadView,
    UnansweredView,
)

SERVICE = "remote_session"
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
UNPROCESSABLE = status.HTTP_422_UNPROCESSABLE_CONTENT
#: Room for a multipart body's boundaries, headers and text around files at the limit.
MULTIPART_SLACK = 256 * 1024
READ_CHUNK = 64 * 1024
_UUID = r"[0-9a-fA-F-]{36}"
MULTIPART = "multipart/form-data"
JSON = "application/json"
#: Routes taking files, which take a JSON body too when nothing is attached.
UPLOAD_MEDIA = frozenset({MULTIPART, JSON})
UPLOAD_LIMIT = MAX_ATTACHMENTS * MAX_FILE_BYTES + MULTIPART_SLACK
RAW_ROUTES = (
    RawBodyRoute(re.compile(rf"/cases/{_UUID}/thread/messages"), UPLOAD_MEDIA, UPLOAD_LIMIT),
    RawBodyRoute(re.compile(rf"/tasks/{_UUID}/complete"), UPLOAD_MEDIA, UPLOAD_LIMIT),
)
FILE_CONTENT: dict[str, dict[str, str]] = {media: {} for media in sorted(ATTACHMENT_MEDIA_TYPES)}
_FILES_SCHEMA: dict[str, Any] = {
    "type": "array",
    "maxItems": MAX_ATTACHMENTS,
    "items": {"type": "string", "format": "binary"},
}
MESSAGE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            MULTIPART: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string", "maxLength": MAX_TEXT_CHARS},
                        "files": _FILES_SCHEMA,
                    },
                }
            },
            JSON: {
                "schema": {
                    "type": "object",
                    "required": ["text"],
                    "additionalProperties": False,
                    "properties": {"text": {"type": "string", "maxLength": MAX_TEXT_CHARS}},
                }
            },
        },
    }
}
COMPLETION_BODY: dict[str, Any] = {
    "requestBody": {
        "required": False,
        "content": {
            MULTIPART: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "note": {"type": "string", "maxLength": MAX_NOTE_CHARS},
                        "files": _FILES_SCHEMA,
                    },
                }
            },
            JSON: {
                "schema": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"note": {"type": "string", "maxLength": MAX_NOTE_CHARS}},
                }
            },
        },
    }
}


class CompletionForm(BaseModel):
    """A completion's note, sent as JSON."""

    model_config = {"extra": "forbid", "frozen": True}

    note: str | None = None


@dataclass(frozen=True, slots=True)
class SessionDeps:
    """What the routes need, built by the composition root."""

    uow: UnitOfWork
    queries: SessionQueries
    directory: CaseDirectory
    files: FileStore
    people: People
    mailer: Mailer
    clock: Clock


@dataclass(frozen=True, slots=True)
class Sent:
    """A body's text fields and files, whether it came as JSON or multipart."""

    fields: dict[str, str]
    uploads: tuple[Upload, ...]


def event_meta() -> EventMeta:
    """Return the envelope fields for events caused by the current request."""
    return EventMeta(correlation_id=current_correlation_id(), producer=SERVICE)


def item(location: str, field: str, reason: str, message: str) -> ErrorItem:
    """Return one error item (never echoing the submitted value)."""
    return ErrorItem(location=location, field=field, type=reason, message=message)  # type: ignore[arg-type]


async def answer(call: Awaitable[T], *, location: str = "body") -> T:
    """Await a use case and turn its refusals into HTTP answers that name the field."""
    try:
        return await call
    except NotFoundError as exc:
        raise ApiError(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except ForbiddenError as exc:
        reasons = [item(location, exc.field, exc.reason, str(exc))] if exc.reason else None
        raise ApiError(status.HTTP_403_FORBIDDEN, str(exc), reasons) from exc
    except InvalidInputError as exc:
        raise ApiError(
            UNPROCESSABLE,
            "The request is invalid; see errors.",
            [item(location, exc.field, exc.reason, str(exc))],
        ) from exc
    except ConflictError as exc:
        raise ApiError(
            status.HTTP_409_CONFLICT, str(exc), [item(location, exc.field, exc.reason, str(exc))]
        ) from exc
    except TooLargeError as exc:
        raise ApiError(
            status.HTTP_413_CONTENT_TOO_LARGE,
            str(exc),
            [item(location, "files", "too_large", "the file is too large")],
        ) from exc


async def read_upload(upload: UploadFile) -> bytes:
    """Read an uploaded file, refusing with 413 as soon as it passes the limit."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(READ_CHUNK):
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise ApiError(
                status.HTTP_413_CONTENT_TOO_LARGE,
                f"the file is over {MAX_FILE_BYTES} bytes",
                [item("body", "files", "too_large", "the file is too large")],
            )
        chunks.append(chunk)
    return b"".join(chunks)


def ascii_name(name: str) -> str:
    """Return a file name safe in a header: the name without accents or odd characters."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._ -]+", "", plain).strip()[:100] or "piece-jointe"


def validated(model: type[M], data: object) -> M:
    """Return the body validated, or refuse it the way FastAPI refuses a bad JSON body."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from exc


async def read_body(request: Request, model: type[BaseModel], text_fields: tuple[str, ...]) -> Sent:
    """Read a JSON or multipart body: text fields checked by model, files by their content."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != MULTIPART:
        raw = await request.body()
        if not raw:
            data: object = {}
        else:
            try:
                data = json.loads(raw)
            except ValueError as exc:
                raise ApiError(
                    UNPROCESSABLE,
                    "The request is invalid; see errors.",
                    [item("body", "body", "json_invalid", "the body is not valid JSON")],
                ) from exc
        form = validated(model, data)
        fields = {k: v for k, v in form.model_dump().items() if isinstance(v, str)}
        return Sent(fields, ())
    try:
        # One file more than allowed is read so that the rule, not the parser, refuses it.
        parsed = await request.form(max_files=MAX_ATTACHMENTS + 1, max_fields=10)
    except HTTPException as exc:
        if exc.status_code != status.HTTP_400_BAD_REQUEST:
            raise  # a body over the limit stays a 413
        # Starlette answers a malformed multipart body with a bare 400; name the body instead.
        raise ApiError(
            UNPROCESSABLE,
            "The request is invalid; see errors.",
            [item("body", "body", "multipart_invalid", "the multipart body cannot be read")],
        ) from exc
    try:
        texts: dict[str, str] = {}
        uploads: list[Upload] = []
        for key, value in parsed.multi_items():
            if isinstance(value, UploadFile):
                if key != "files":
                    raise ApiError(
                        UNPROCESSABLE,
                        "The request is invalid; see errors.",
                        [item("body", key, "extra_forbidden", "unknown file field")],
                    )
                uploads.append(Upload(ascii_name(value.filename or ""), await read_upload(value)))
            elif key in text_fields:
                texts[key] = value
            else:
                raise ApiError(
                    UNPROCESSABLE,
                    "The request is invalid; see errors.",
                    [item("body", key, "extra_forbidden", "unknown field")],
                )
    finally:
        # Spooled upload files are released whatever the outcome.
        await parsed.close()
    form = validated(model, texts)
    fields = {k: v for k, v in form.model_dump().items() if isinstance(v, str)}
    return Sent(fields, tuple(uploads))


def file_response(content: bytes, media_type: str, filename: str) -> Response:
    """Return a file as an attachment that browsers neither sniff nor cache."""
    disposition = (
        f'attachment; filename="{ascii_name(filename)}"; '
        f"filename*=UTF-8''{quote(filename[:150], safe='')}"
    )
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


class TextForm(BaseModel):
    """A multipart message's text: optional when a file is attached."""

    model_config = {"extra": "forbid", "frozen": True}

    text: str = ""


def build_router(deps: SessionDeps) -> APIRouter:
    """Return the routes bound to their dependencies."""
    router = APIRouter(tags=["remote-session"])
    # Managers pass the role check to be told 404 by the case rule, like any stranger.
    people = require_roles(Role.BENEFICIARY, Role.COUNSELLOR, Role.MANAGER)
    counsellor = require_roles(Role.COUNSELLOR)
    beneficiary = require_roles(Role.BENEFICIARY)
    People_ = Annotated[Principal, Depends(people)]  # noqa: N806 - a type alias, named as one
    Counsellor = Annotated[Principal, Depends(counsellor)]  # noqa: N806
    Beneficiary = Annotated[Principal, Depends(beneficiary)]  # noqa: N806
    read = error_responses(*AUTHENTICATED, 404, 422)
    write = error_responses(*AUTHENTICATED, *WITH_BODY, 404, 409)

    @router.get("/cases/{case_id}/thread", response_model=ThreadView, responses=read)
    async def thread(case_id: UUID, principal: People_) -> ThreadView:
        """Return the case's thread; the other side's messages are marked read."""
        page = await answer(
            show_thread(
                deps.uow, deps.queries, deps.directory, principal, case_id, now=deps.clock()
            )
        )
        return ThreadView.of(page)

    @router.post(
        "/cases/{case_id}/thread/messages",
        status_code=status.HTTP_201_CREATED,
        response_model=MessageView,
        responses=write,
        openapi_extra=MESSAGE_BODY,
    )
    async def post(case_id: UUID, request: Request, principal: People_) -> MessageView:
        """Post a message with up to 3 files (PDF, PNG, JPEG, DOCX, ODT, 10 MiB each)."""
        is_json = not request.headers.get("content-type", "").startswith(MULTIPART)
        sent = await read_body(request, MessageForm if is_json else TextForm, ("text",))
        message = await answer(
            post_message(
                deps.uow,
                deps.directory,
                deps.files,
                deps.people,
                deps.mailer,
                principal,
                case_id,
                text=sent.fields.get("text", ""),
                uploads=sent.uploads,
                now=deps.clock(),
                meta=event_meta(),
            )
        )
        return MessageView.of(message)

    @router.get(
        "/attachments/{attachment_id}",
        response_class=Response,
        responses={
            200: {"content": FILE_CONTENT, "description": "The attachment"},
            **error_responses(*AUTHENTICATED, 404, 422),
        },
    )
    async def attachment(attachment_id: UUID, principal: People_) -> Response:
        """Return an attachment's bytes to either party of its case."""
        stored = await answer(
            download_attachment(deps.directory, deps.files, principal, attachment_id)
        )
        return file_response(stored.content, stored.media_type, stored.filename)

    @router.get("/me/unanswered", response_model=list[UnansweredView], responses=read)
    async def unanswered(principal: Counsellor) -> list[UnansweredView]:
        """Return the caseload's threads waiting for an answer, longest waiting first."""
        return [
            UnansweredView.of(t) for t in await answer(list_unanswered(deps.queries, principal))
        ]

    @router.post(
        "/cases/{case_id}/tasks",
        status_code=status.HTTP_201_CREATED,
        response_model=TaskView,
        responses=write,
    )
    async def assign(case_id: UUID, form: TaskForm, principal: Counsellor) -> TaskView:
        """Give the beneficiary a task to do before a due date."""
        task = await answer(
            assign_task(
                deps.uow,
                deps.directory,
                principal,
                case_id,
                title=form.title,
                instructions=form.instructions,
                kind=form.kind,
                due_on=form.due_on,
                now=deps.clock(),
                meta=event_meta(),
            )
        )
        return TaskView.of(task)

    @router.get("/cases/{case_id}/tasks", response_model=list[TaskView], responses=read)
    async def tasks(case_id: UUID, principal: People_) -> list[TaskView]:
        """Return the case's tasks, soonest due first."""
        found = await answer(list_tasks(deps.queries, deps.directory, principal, case_id))
        return [TaskView.of(t) for t in found]

    @router.post(
        "/tasks/{task_id}/complete",
        response_model=TaskView,
        responses=write,
        openapi_extra=COMPLETION_BODY,
    )
    async def complete(task_id: UUID, request: Request, principal: Beneficiary) -> TaskView:
        """Mark the task done, with an optional note and up to 3 files."""
        sent = await read_body(request, CompletionForm, ("note",))
        done = await answer(
            complete_task(
                deps.uow,
                deps.queries,
                deps.directory,
                deps.files,
                principal,
                task_id,
                note=sent.fields.get("note"),
                uploads=sent.uploads,
                now=deps.clock(),
                meta=event_meta(),
            )
        )
        return TaskView.of(done)

    answer_405_with_every_method(router)
    return router

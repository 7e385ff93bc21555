"""Document signature's HTTP API: summaries, signing, the document space, shares, verification."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

import re
import unicodedata
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Annotated, TypeVar
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile, status

from document_signature.application.attach_paper_signature import attach_paper_signature
from document_signature.application.comment_summary import comment_summary
from document_signature.application.decline_summary import decline_summary
from document_signature.application.delete_document import delete_document
from document_signature.application.download_document import download_document
from document_signature.application.draft_summary import draft_summary
from document_signature.application.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    TooLargeError,
    TooManyRequestsError,
    UnavailableError,
)
from document_signature.application.list_documents import SpaceEntry, list_documents
from document_signature.application.open_share import open_share
from document_signature.application.ports import (
    Clock,
    Mailer,
    SignatureQueries,
    UnitOfWork,
    Verifier,
)
from document_signature.application.preview_summary import summary_pdf
from document_signature.application.revise_summary import revise_summary
from document_signature.application.revoke_share import revoke_share
from document_signature.application.sealing import SigningTools
from document_signature.application.send_signing_code import send_signing_code
from document_signature.application.share_document import share_document
from document_signature.application.show_evidence import show_evidence
from document_signature.application.show_summary import (
    list_case_summaries,
    list_my_summaries,
    show_summary,
)
from document_signature.application.sign_in_person import sign_in_person
from document_signature.application.sign_summary import sign_summary
from document_signature.application.submit_summary import submit_summary
from document_signature.application.upload_document import upload_document
from document_signature.application.verify_document import verify_document
from document_signature.domain.documents import MAX_FILE_BYTES, PDF, UPLOAD_MEDIA_TYPES
from document_signature.domain.evidence import Actor
from document_signature.entrypoints.schemas import (
    CommentForm,
    DeclineForm,
    DocumentView,
    EvidenceView,
    InPersonForm,
    SentCodeView,
    ShareCreated,
    ShareForm,
    ShareView,
    SignForm,
    SummaryForm,
    SummaryView,
    VerificationView,
)
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

SERVICE = "document_signature"
T = TypeVar("T")
UNPROCESSABLE = status.HTTP_422_UNPROCESSABLE_CONTENT
#: The largest PDF /verify reads.
MAX_VERIFY_BYTES = 20 * 1024 * 1024
#: Room for a multipart body's boundaries and headers around a file at the limit.
MULTIPART_SLACK = 256 * 1024
READ_CHUNK = 64 * 1024
#: Where the web front puts the person's own address and agent (it is the peer here).
CLIENT_ADDRESS = "x-jalon-client-address"
CLIENT_AGENT = "x-jalon-client-agent"
_UUID = r"[0-9a-fA-F-]{36}"
MULTIPART = frozenset({"multipart/form-data"})
#: What a document's content may be, for the OpenAPI document.
FILE_CONTENT: dict[str, dict[str, str]] = {media: {} for media in sorted(UPLOAD_MEDIA_TYPES)}
#: The routes whose body is not JSON, with the size each may send.
#: /verify takes a PDF, also sent as plain bytes by clients that do not name its type.
VERIFY_MEDIA = frozenset({PDF, "application/octet-stream"})
RAW_ROUTES = (
    RawBodyRoute(re.compile(r"/me/documents"), MULTIPART, MAX_FILE_BYTES + MULTIPART_SLACK),
    RawBodyRoute(
        re.compile(rf"/summaries/{_UUID}/paper"), MULTIPART, MAX_FILE_BYTES + MULTIPART_SLACK
    ),
    RawBodyRoute(re.compile(r"/verify"), VERIFY_MEDIA, MAX_VERIFY_BYTES),
)


@dataclass(frozen=True, slots=True)
class SignatureDeps:
    """What the routes need, built by the composition root."""

    uow: UnitOfWork
    queries: SignatureQueries
    tools: SigningTools
    mailer: Mailer
    verifier: Verifier
    clock: Clock
    #: The key the one-time codes' HMAC is computed under.
    code_key: bytes


def event_meta() -> EventMeta:
    """Return the envelope fields for events caused by the current request."""
    return EventMeta(correlation_id=current_correlation_id(), producer=SERVICE)


def client_of(request: Request) -> tuple[str | None, str | None]:
    """Return the person's address and agent: as the web front relays them, else the peer's."""
    address = request.headers.get(CLIENT_ADDRESS) or (
        request.client.host if request.client else None
    )
    agent = request.headers.get(CLIENT_AGENT) or request.headers.get("user-agent")
    return address, agent


def actor_of(request: Request, principal: Principal) -> Actor:
    """Return who acts, and from where, for the evidence file."""
    address, agent = client_of(request)
    return Actor(principal.role.value, principal.sub, address, agent)


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
        raise ApiError(status.HTTP_403_FORBIDDEN, str(exc)) from exc
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
        raise ApiError(status.HTTP_413_CONTENT_TOO_LARGE, str(exc)) from exc
    except TooManyRequestsError as exc:
        raise ApiError(
            status.HTTP_429_TOO_MANY_REQUESTS,
            str(exc),
            [item(location, "document", exc.reason, str(exc))],
        ) from exc
    except UnavailableError as exc:
        raise ApiError(
            status.HTTP_503_SERVICE_UNAVAILABLE, str(exc), headers={"Retry-After": "5"}
        ) from exc


async def read_upload(upload: UploadFile, field: str) -> bytes:
    """Read an uploaded file, refusing with 413 as soon as it passes the limit."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(READ_CHUNK):
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise ApiError(
                status.HTTP_413_CONTENT_TOO_LARGE,
                f"the file is over {MAX_FILE_BYTES} bytes",
                [item("body", field, "too_large", "the file is too large")],
            )
        chunks.append(chunk)
    return b"".join(chunks)


def ascii_name(title: str) -> str:
    """Return a file name safe in a header: the title without accents or odd characters."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._ -]+", "", plain).strip()[:100] or "document"


def file_response(content: bytes, media_type: str, title: str) -> Response:
    """Return a file as an attachment that browsers neither sniff nor cache."""
    extension = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(
        media_type, ""
    )
    name = title if title.lower().endswith(extension) else f"{title}{extension}"
    disposition = (
        f'attachment; filename="{ascii_name(name)}"; '
        f"filename*=UTF-8''{quote(name[:150], safe='')}"
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


def title_of(title: str | None, filename: str | None) -> str:
    """Return the title to list a file under: the one typed, else its name, else a default."""
    chosen = (title or "").strip() or (filename or "").strip() or "Document"
    return chosen[:200]


def build_router(deps: SignatureDeps) -> APIRouter:
    """Return the routes bound to their dependencies."""
    router = APIRouter(tags=["document-signature"])
    people = require_roles(Role.BENEFICIARY, Role.COUNSELLOR, Role.MANAGER)
    parties = require_roles(Role.BENEFICIARY, Role.COUNSELLOR)
    counsellor = require_roles(Role.COUNSELLOR)
    beneficiary = require_roles(Role.BENEFICIARY)
    People = Annotated[Principal, Depends(people)]  # noqa: N806 - a type alias, named as one
    Parties = Annotated[Principal, Depends(parties)]  # noqa: N806
    Counsellor = Annotated[Principal, Depends(counsellor)]  # noqa: N806
    Beneficiary = Annotated[Principal, Depends(beneficiary)]  # noqa: N806
    read = error_responses(*AUTHENTICATED, 404, 422)
    write = error_responses(*AUTHENTICATED, *WITH_BODY, 404, 409)
    signing = error_responses(*AUTHENTICATED, *WITH_BODY, 404, 409, 429)
    tools = deps.tools

    @router.post(
        "/cases/{case_id}/summaries",
        status_code=status.HTTP_201_CREATED,
        response_model=SummaryView,
        responses=write,
    )
    async def draft(
        case_id: UUID, form: SummaryForm, request: Request, principal: Counsellor
    ) -> SummaryView:
        """Start a summary of the case, as a draft at version 1."""
        created = await answer(
            draft_summary(
                deps.uow,
                tools.directory,
                principal,
                case_id,
                form.to_text(),
                actor=actor_of(request, principal),
                now=deps.clock(),
            )
        )
        return SummaryView.of(created)

    @router.get("/cases/{case_id}/summaries", response_model=list[SummaryView], responses=read)
    async def of_case(case_id: UUID, principal: People) -> list[SummaryView]:
        """Return a case's summaries to its counsellor or its beneficiary, newest first."""
        found = await answer(list_case_summaries(deps.queries, tools.directory, principal, case_id))
        return [SummaryView.of(s) for s in found]

    @router.get("/me/summaries", response_model=list[SummaryView], responses=read)
    async def mine(principal: Beneficiary) -> list[SummaryView]:
        """Return the calling beneficiary's summaries, drafts included."""
        return [SummaryView.of(s) for s in await answer(list_my_summaries(deps.queries, principal))]

    @router.get("/summaries/{document_id}", response_model=SummaryView, responses=read)
    async def one(document_id: UUID, principal: People) -> SummaryView:
        """Return one summary."""
        return SummaryView.of(
            await answer(show_summary(deps.queries, tools.directory, principal, document_id))
        )

    @router.put("/summaries/{document_id}/content", response_model=SummaryView, responses=write)
    async def revise(
        document_id: UUID, form: SummaryForm, request: Request, principal: Counsellor
    ) -> SummaryView:
        """Write the draft's next version."""
        return SummaryView.of(
            await answer(
                revise_summary(
                    deps.uow,
                    deps.queries,
                    tools.directory,
                    principal,
                    document_id,
                    form.to_text(),
                    actor=actor_of(request, principal),
                    now=deps.clock(),
                )
            )
        )

    @router.post(
        "/summaries/{document_id}/comments",
        status_code=status.HTTP_201_CREATED,
        response_model=SummaryView,
        responses=write,
    )
    async def comment(
        document_id: UUID, form: CommentForm, request: Request, principal: Parties
    ) -> SummaryView:
        """Comment on the current version (draft or awaiting signature)."""
        return SummaryView.of(
            await answer(
                comment_summary(
                    deps.uow,
                    deps.queries,
                    tools.directory,
                    principal,
                    document_id,
                    form.text,
                    actor=actor_of(request, principal),
                    now=deps.clock(),
                )
            )
        )

    @router.post("/summaries/{document_id}/submit", response_model=SummaryView, responses=write)
    async def submit(document_id: UUID, request: Request, principal: Counsellor) -> SummaryView:
        """Send the draft for signature; it can be signed for 14 days."""
        return SummaryView.of(
            await answer(
                submit_summary(
                    deps.uow,
                    deps.queries,
                    tools.directory,
                    principal,
                    document_id,
                    actor=actor_of(request, principal),
                    now=deps.clock(),
                    meta=event_meta(),
                )
            )
        )

    @router.get(
        "/summaries/{document_id}/pdf",
        response_class=Response,
        responses={
            200: {"content": {"application/pdf": {}}, "description": "The summary as a PDF"},
            **error_responses(*AUTHENTICATED, 404, 422),
        },
    )
    async def pdf(document_id: UUID, principal: People) -> Response:
        """Return a preview of the current version, or the sealed PDF once signed."""
        summary, content = await answer(summary_pdf(deps.queries, tools, principal, document_id))
        return file_response(content, PDF, summary.reference)

    @router.post(
        "/summaries/{document_id}/signing-code",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=SentCodeView,
        responses=signing,
    )
    async def send_code(
        document_id: UUID, request: Request, principal: Beneficiary
    ) -> SentCodeView:
        """E-mail a one-time code to sign with (3 per summary, each valid 10 minutes)."""
        sent = await answer(
            send_signing_code(
                deps.uow,
                deps.queries,
                tools.directory,
                tools.people,
                deps.mailer,
                principal,
                document_id,
                actor=actor_of(request, principal),
                now=deps.clock(),
                key=deps.code_key,
            )
        )
        return SentCodeView.of(sent)

    @router.post("/summaries/{document_id}/sign", response_model=SummaryView, responses=write)
    async def sign(
        document_id: UUID, form: SignForm, request: Request, principal: Beneficiary
    ) -> SummaryView:
        """Sign with the code; the sealed PDF lands in the beneficiary's space."""
        return SummaryView.of(
            await answer(
                sign_summary(
                    deps.uow,
                    deps.queries,
                    tools,
                    principal,
                    document_id,
                    form.code,
                    actor=actor_of(request, principal),
                    now=deps.clock(),
                    key=deps.code_key,
                    meta=event_meta(),
                )
            )
        )

    @router.post("/summaries/{document_id}/decline", response_model=SummaryView, responses=write)
    async def decline(
        document_id: UUID, form: DeclineForm, request: Request, principal: Beneficiary
    ) -> SummaryView:
        """Decline to sign, saying why."""
        return SummaryView.of(
            await answer(
                decline_summary(
                    deps.uow,
                    deps.queries,
                    tools.directory,
                    principal,
                    document_id,
                    form.reason,
                    actor=actor_of(request, principal),
                    now=deps.clock(),
                    meta=event_meta(),
                )
            )
        )

    @router.post("/summaries/{document_id}/in-person", response_model=SummaryView, responses=write)
    async def in_person(
        document_id: UUID, form: InPersonForm, request: Request, principal: Counsellor
    ) -> SummaryView:
        """Record a signature given in the counsellor's presence, identity checked."""
        return SummaryView.of(
            await answer(
                sign_in_person(
                    deps.uow,
                    deps.queries,
                    tools,
                    principal,
                    document_id,
                    identity_checked=form.identity_checked,
                    actor=actor_of(request, principal),
                    now=deps.clock(),
                    meta=event_meta(),
                )
            )
        )

    @router.post("/summaries/{document_id}/paper", response_model=SummaryView, responses=write)
    async def paper(
        document_id: UUID,
        request: Request,
        principal: Counsellor,
        scan: Annotated[UploadFile, File(description="PDF, PNG or JPEG, up to 10 MiB")],
    ) -> SummaryView:
        """Attach the scan of a summary signed on paper."""
        content = await read_upload(scan, "scan")
        return SummaryView.of(
            await answer(
                attach_paper_signature(
                    deps.uow,
                    deps.queries,
                    tools,
                    principal,
                    document_id,
                    content,
                    actor=actor_of(request, principal),
                    now=deps.clock(),
                    meta=event_meta(),
                )
            )
        )

    @router.get("/summaries/{document_id}/evidence", response_model=EvidenceView, responses=read)
    async def evidence(document_id: UUID, principal: People) -> EvidenceView:
        """Return the summary's evidence file and whether its hash chain holds."""
        records, intact = await answer(
            show_evidence(deps.queries, tools.directory, principal, document_id)
        )
        return EvidenceView.of(records, intact)

    @router.get("/me/documents", response_model=list[DocumentView], responses=read)
    async def documents(principal: Beneficiary) -> list[DocumentView]:
        """Return the calling beneficiary's document space, with each document's shares."""
        entries = await answer(list_documents(deps.queries, principal))
        return [DocumentView.of(e) for e in entries]

    @router.post(
        "/me/documents",
        status_code=status.HTTP_201_CREATED,
        response_model=DocumentView,
        responses=write,
    )
    async def upload(
        principal: Beneficiary,
        file: Annotated[UploadFile, File(description="PDF, PNG, JPEG, DOCX or ODT, 10 MiB")],
        title: Annotated[str | None, Form(max_length=200)] = None,
    ) -> DocumentView:
        """Add a file to the space; its type is read from its content, not its name."""
        content = await read_upload(file, "file")
        stored = await answer(
            upload_document(
                deps.uow,
                tools.files,
                principal,
                title=title_of(title, file.filename),
                filename=ascii_name(file.filename or "document"),
                content=content,
                now=deps.clock(),
            )
        )
        return DocumentView.of(SpaceEntry(stored, ()))

    @router.get(
        "/documents/{document_id}/content",
        response_class=Response,
        responses={
            200: {"content": FILE_CONTENT, "description": "The file"},
            **error_responses(*AUTHENTICATED, 404, 422),
        },
    )
    async def content(document_id: UUID, principal: People) -> Response:
        """Return a document: to its owner, or a delivered summary to its case's counsellor."""
        document, data = await answer(
            download_document(deps.queries, tools.directory, tools.files, principal, document_id)
        )
        return file_response(data, document.media_type, document.title)

    @router.delete(
        "/documents/{document_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        responses=error_responses(*AUTHENTICATED, 404, 409, 422),
    )
    async def remove(document_id: UUID, principal: Beneficiary) -> Response:
        """Delete an uploaded document, its shares and its bytes."""
        await answer(delete_document(deps.uow, deps.queries, principal, document_id))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post(
        "/documents/{document_id}/shares",
        status_code=status.HTTP_201_CREATED,
        response_model=ShareCreated,
        responses=write,
    )
    async def share(
        document_id: UUID, form: ShareForm, request: Request, principal: Beneficiary
    ) -> ShareCreated:
        """Share a document through a link for 1 to 30 days; the token is shown only now."""
        created, token = await answer(
            share_document(
                deps.uow,
                deps.queries,
                principal,
                document_id,
                form.to_request(),
                actor=actor_of(request, principal),
                now=deps.clock(),
                meta=event_meta(),
            )
        )
        return ShareCreated(share=ShareView.of(created), token=token)

    @router.delete("/shares/{share_id}", response_model=ShareView, responses=read)
    async def revoke(share_id: UUID, request: Request, principal: Beneficiary) -> ShareView:
        """Close a share link now."""
        return ShareView.of(
            await answer(
                revoke_share(
                    deps.uow,
                    principal,
                    share_id,
                    actor=actor_of(request, principal),
                    now=deps.clock(),
                )
            )
        )

    @router.get(
        "/shared/{token}",
        response_class=Response,
        responses={
            200: {"content": FILE_CONTENT, "description": "The file"},
            **error_responses(404),
        },
    )
    async def shared(token: str, request: Request) -> Response:
        """Open a share link (no sign-in: the link is the secret); every opening is logged."""
        if len(token) > 128:
            raise ApiError(status.HTTP_404_NOT_FOUND, "no such share")
        address, agent = client_of(request)
        document, data = await answer(
            open_share(
                deps.uow, deps.tools.files, token, ip=address, user_agent=agent, now=deps.clock()
            )
        )
        return file_response(data, document.media_type, document.title)

    @router.post(
        "/verify",
        response_model=VerificationView,
        responses=error_responses(413, 415, 422),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    media: {"schema": {"type": "string", "format": "binary"}}
                    for media in sorted(VERIFY_MEDIA)
                },
            }
        },
    )
    async def verify(request: Request) -> VerificationView:
        """Check a PDF's seal, and whether Jalon sealed this exact file (no sign-in)."""
        body = await request.body()
        if not body:
            raise ApiError(
                UNPROCESSABLE,
                "The request is invalid; see errors.",
                [item("body", "", "empty", "send the PDF as the body")],
            )
        return VerificationView.of(await verify_document(deps.queries, deps.verifier, body))

    answer_405_with_every_method(router)
    return router

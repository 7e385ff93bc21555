"""What the document pages need from the document-signature service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol
from uuid import UUID

from web.application.document_views import (
    ClientInfo,
    CodeSent,
    CreatedShare,
    Evidence,
    FileStream,
    OwnDocument,
    Share,
    Summary,
    Upload,
    VerifyReport,
)
from web.application.errors import ApiError


class DocumentApi(Protocol):
    """The document-signature service's API, with the caller's token; raises ApiError.

    A 422 names its fields, a 409 its reason in the first error's type. Calls that leave
    evidence (codes, signatures, refusals, shares opened) carry the person's ClientInfo.
    """

    async def case_summaries(self, token: str, case_id: UUID) -> list[Summary]: ...
    async def my_summaries(self, token: str) -> list[Summary]: ...
    async def summary(self, token: str, document_id: UUID) -> Summary: ...
    async def create_summary(
        self, token: str, case_id: UUID, body: Mapping[str, Any]
    ) -> Summary: ...
    async def revise_summary(
        self, token: str, document_id: UUID, body: Mapping[str, Any]
    ) -> Summary: ...
    async def comment(self, token: str, document_id: UUID, text: str) -> Summary: ...
    async def submit(self, token: str, document_id: UUID) -> Summary: ...
    async def summary_pdf(self, token: str, document_id: UUID) -> FileStream: ...
    async def send_code(self, token: str, document_id: UUID, client: ClientInfo) -> CodeSent: ...
    async def sign(
        self, token: str, document_id: UUID, code: str, client: ClientInfo
    ) -> Summary: ...
    async def decline(
        self, token: str, document_id: UUID, reason: str, client: ClientInfo
    ) -> Summary: ...
    async def sign_in_person(
        self, token: str, document_id: UUID, client: ClientInfo
    ) -> Summary: ...
    async def attach_paper(
        self, token: str, document_id: UUID, scan: Upload, client: ClientInfo
    ) -> Summary: ...
    async def evidence(self, token: str, document_id: UUID) -> Evidence: ...
    async def my_documents(self, token: str) -> list[OwnDocument]: ...
    async def upload(self, token: str, title: str, file: Upload) -> OwnDocument: ...
    async def document_content(self, token: str, document_id: UUID) -> FileStream: ...
    async def delete_document(self, token: str, document_id: UUID) -> None: ...
    async def share(
        self,
        token: str,
        document_id: UUID,
        *,
        recipient: str,
        purpose: str,
        days: int,
        consent: bool,
    ) -> CreatedShare: ...
    async def revoke_share(self, token: str, share_id: UUID) -> Share: ...
    async def shared(self, share_token: str, client: ClientInfo) -> FileStream:
        """Open a share's file without signing in (the link's token is the only key)."""
        ...

    async def verify(self, pdf: bytes) -> VerifyReport:
        """Check a PDF's signature and whether Jalon delivered it (public)."""
        ...


def reachable(api: DocumentApi | None) -> DocumentApi:
    """Return the API, or refuse as unavailable when the front was built without it."""
    if api is None:
        raise ApiError(503, "document service not configured")
    return api

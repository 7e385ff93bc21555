"""The document-signature service's API over HTTP, called with the signed-in person's token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from typing import Any
from uuid import UUID

import httpx
from pydantic import TypeAdapter

from web.adapters.services import ServiceClient
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

_SUMMARIES = TypeAdapter(list[Summary])
_DOCUMENTS = TypeAdapter(list[OwnDocument])
#: The person's own address and browser, which the service records as evidence.
CLIENT_ADDRESS_HEADER = "X-Jalon-Client-Address"
CLIENT_AGENT_HEADER = "X-Jalon-Client-Agent"
#: What may go into a header value: printable ASCII, nothing that could end the line.
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")
_FILENAME = re.compile(r"""filename\*?=(?:UTF-8'')?"?([^";]+)"?""", re.IGNORECASE)
CHUNK_BYTES = 64 * 1024


def client_headers(client: ClientInfo) -> dict[str, str]:
    """Return the evidence headers for a call made on the person's behalf."""
    headers: dict[str, str] = {}
    if client.address:
        headers[CLIENT_ADDRESS_HEADER] = _UNPRINTABLE.sub("?", client.address)[:64]
    if client.agent:
        headers[CLIENT_AGENT_HEADER] = _UNPRINTABLE.sub("?", client.agent)[:300]
    return headers


def filename_of(disposition: str | None) -> str | None:
    """Return the file name a Content-Disposition header gives, if any."""
    if not disposition:
        return None
    found = _FILENAME.search(disposition)
    return found.group(1) if found else None


def file_stream(response: httpx.Response) -> FileStream:
    """Wrap an open file answer: its type, name and size, read in chunks."""
    length = response.headers.get("content-length", "")

    async def chunks() -> AsyncIterator[bytes]:
        try:
            async for chunk in response.aiter_bytes(CHUNK_BYTES):
                yield chunk
        finally:
            await response.aclose()

    return FileStream(
        media_type=response.headers.get("content-type", "application/octet-stream"),
        filename=filename_of(response.headers.get("content-disposition")),
        length=int(length) if length.isdigit() else None,
        chunks=chunks(),
        close=response.aclose,
    )


def _multipart(upload: Upload) -> tuple[str, bytes, str]:
    return (upload.filename or "fichier", upload.content, upload.media_type)


class HttpDocumentApi:
    """DocumentApi over HTTP."""

    def __init__(self, client: ServiceClient) -> None:
        self._api = client

    async def _summary(
        self,
        method: str,
        path: str,
        token: str,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Summary:
        data = await self._api.call(method, path, token, json=body, headers=headers)
        return self._api.parse(Summary, data)

    async def case_summaries(self, token: str, case_id: UUID) -> list[Summary]:
        """Return a case's summaries."""
        data = await self._api.call("GET", f"/cases/{case_id}/summaries", token)
        return self._api.parse_list(_SUMMARIES, data)

    async def my_summaries(self, token: str) -> list[Summary]:
        """Return the calling beneficiary's summaries."""
        return self._api.parse_list(_SUMMARIES, await self._api.call("GET", "/me/summaries", token))

    async def summary(self, token: str, document_id: UUID) -> Summary:
        """Return one summary."""
        return await self._summary("GET", f"/summaries/{document_id}", token)

    async def create_summary(self, token: str, case_id: UUID, body: Mapping[str, Any]) -> Summary:
        """Draft a summary for the case (version 1)."""
        return await self._summary("POST", f"/cases/{case_id}/summaries", token, dict(body))

    async def revise_summary(
        self, token: str, document_id: UUID, body: Mapping[str, Any]
    ) -> Summary:
        """Replace a draft's content (a new version)."""
        return await self._summary("PUT", f"/summaries/{document_id}/content", token, dict(body))

    async def comment(self, token: str, document_id: UUID, text: str) -> Summary:
        """Add a comment to the thread."""
        return await self._summary(
            "POST", f"/summaries/{document_id}/comments", token, {"text": text}
        )

    async def submit(self, token: str, document_id: UUID) -> Summary:
        """Send the draft for signature."""
        return await self._summary("POST", f"/summaries/{document_id}/submit", token)

    async def summary_pdf(self, token: str, document_id: UUID) -> FileStream:
        """Open the summary's PDF: a preview, or the sealed file once signed."""
        return file_stream(await self._api.open("GET", f"/summaries/{document_id}/pdf", token))

    async def send_code(self, token: str, document_id: UUID, client: ClientInfo) -> CodeSent:
        """Have a signing code sent to the beneficiary."""
        data = await self._api.call(
            "POST",
            f"/summaries/{document_id}/signing-code",
            token,
            headers=client_headers(client),
        )
        return self._api.parse(CodeSent, data)

    async def sign(self, token: str, document_id: UUID, code: str, client: ClientInfo) -> Summary:
        """Sign with the code received."""
        return await self._summary(
            "POST", f"/summaries/{document_id}/sign", token, {"code": code}, client_headers(client)
        )

    async def decline(
        self, token: str, document_id: UUID, reason: str, client: ClientInfo
    ) -> Summary:
        """Refuse to sign, with a reason."""
        return await self._summary(
            "POST",
            f"/summaries/{document_id}/decline",
            token,
            {"reason": reason},
            client_headers(client),
        )

    async def sign_in_person(self, token: str, document_id: UUID, client: ClientInfo) -> Summary:
        """Record a signature made before the counsellor, identity checked."""
        return await self._summary(
            "POST",
            f"/summaries/{document_id}/in-person",
            token,
            {"identity_checked": True},
            client_headers(client),
        )

    async def attach_paper(
        self, token: str, document_id: UUID, scan: Upload, client: ClientInfo
    ) -> Summary:
        """Record a signed paper copy, scanned."""
        data = await self._api.call(
            "POST",
            f"/summaries/{document_id}/paper",
            token,
            files={"scan": _multipart(scan)},
            headers=client_headers(client),
        )
        return self._api.parse(Summary, data)

    async def evidence(self, token: str, document_id: UUID) -> Evidence:
        """Return the summary's evidence trail."""
        data = await self._api.call("GET", f"/summaries/{document_id}/evidence", token)
        return self._api.parse(Evidence, data)

    async def my_documents(self, token: str) -> list[OwnDocument]:
        """Return the beneficiary's documents and their shares."""
        return self._api.parse_list(_DOCUMENTS, await self._api.call("GET", "/me/documents", token))

    async def upload(self, token: str, title: str, file: Upload) -> OwnDocument:
        """Deposit a file in the beneficiary's space."""
        data = await self._api.call(
            "POST", "/me/documents", token, files={"file": _multipart(file)}, data={"title": title}
        )
        return self._api.parse(OwnDocument, data)

    async def document_content(self, token: str, document_id: UUID) -> FileStream:
        """Open a document's file."""
        return file_stream(await self._api.open("GET", f"/documents/{document_id}/content", token))

    async def delete_document(self, token: str, document_id: UUID) -> None:
        """Delete a document and its file."""
        await self._api.call("DELETE", f"/documents/{document_id}", token)

    async def share(
        self,
        token: str,
        document_id: UUID,
        *,
        recipient: str,
        purpose: str,
        days: int,
        consent: bool,
    ) -> CreatedShare:
        """Create a time-limited link to the document."""
        body = {"recipient": recipient, "purpose": purpose, "days": days, "consent": consent}
        data = await self._api.call("POST", f"/documents/{document_id}/shares", token, json=body)
        return self._api.parse(CreatedShare, data)

    async def revoke_share(self, token: str, share_id: UUID) -> Share:
        """End a share: its link stops working."""
        return self._api.parse(Share, await self._api.call("DELETE", f"/shares/{share_id}", token))

    async def shared(self, share_token: str, client: ClientInfo) -> FileStream:
        """Open a share's file without signing in."""
        response = await self._api.open(
            "GET", f"/shared/{share_token}", None, headers=client_headers(client)
        )
        return file_stream(response)

    async def verify(self, pdf: bytes) -> VerifyReport:
        """Check a PDF's signature and whether Jalon delivered it."""
        data = await self._api.call(
            "POST", "/verify", None, content=pdf, headers={"Content-Type": "application/pdf"}
        )
        return self._api.parse(VerifyReport, data)

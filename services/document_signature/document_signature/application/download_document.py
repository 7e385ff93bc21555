"""Use case: read a document's bytes (its owner, or a delivered summary's counsellor)."""

from __future__ import annotations

from uuid import UUID

from document_signature.application.access import readable_document
from document_signature.application.errors import NotFoundError
from document_signature.application.ports import CaseDirectory, FileStore, SignatureQueries
from document_signature.domain.documents import StoredDocument
from jalon_shared.access import Principal


async def download_document(
    queries: SignatureQueries,
    directory: CaseDirectory,
    files: FileStore,
    principal: Principal,
    document_id: UUID,
) -> tuple[StoredDocument, bytes]:
    """Return the document and its content."""
    document = await readable_document(queries, directory, principal, document_id)
    content = await files.get(document.file_id)
    if content is None:
        raise NotFoundError("no such document")
    return document, content

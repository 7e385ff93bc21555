"""Use case: the calling beneficiary's document space, each document with its shares."""

from __future__ import annotations

from dataclasses import dataclass

from document_signature.application.errors import ForbiddenError
from document_signature.application.ports import SignatureQueries
from document_signature.domain.documents import Share, StoredDocument
from jalon_shared.access import Principal


@dataclass(frozen=True, slots=True)
class SpaceEntry:
    """A document and the links that share it."""

    document: StoredDocument
    shares: tuple[Share, ...]


async def list_documents(queries: SignatureQueries, principal: Principal) -> list[SpaceEntry]:
    """Return the caller's documents, newest first, with their shares."""
    beneficiary_id = principal.beneficiary_id()
    if beneficiary_id is None:
        raise ForbiddenError("only a beneficiary has a document space")
    documents = await queries.documents_of(beneficiary_id)
    shares = await queries.shares_of([d.document_id for d in documents])
    by_document: dict[object, list[Share]] = {}
    for share in shares:
        by_document.setdefault(share.document_id, []).append(share)
    return [
        SpaceEntry(d, tuple(sorted(by_document.get(d.document_id, []), key=lambda s: s.created_at)))
        for d in documents
    ]

"""Use case: the beneficiary removes a file they uploaded, its shares and its bytes."""

from __future__ import annotations

from uuid import UUID

import structlog

from document_signature.application.access import owned_document
from document_signature.application.errors import ConflictError, NotFoundError
from document_signature.application.ports import SignatureQueries, SignatureTransaction, UnitOfWork
from document_signature.domain.documents import DocumentKind
from jalon_shared.access import Principal

log = structlog.get_logger(__name__)


async def delete_document(
    uow: UnitOfWork, queries: SignatureQueries, principal: Principal, document_id: UUID
) -> None:
    """Delete an uploaded document; a signed summary stays (erasure removes it with the rest)."""
    document = await owned_document(queries, principal, document_id)
    if document.kind is DocumentKind.SUMMARY:
        # The signed summary is the record of the guidance given; only an erasure removes it.
        raise ConflictError("summary_kept", "a signed summary cannot be deleted on its own")

    async def work(tx: SignatureTransaction) -> None:
        current = await tx.document(document_id)
        if current is None:
            raise NotFoundError("no such document")
        await tx.delete_document(current)

    await uow.run(work)
    log.info("document deleted", document_id=str(document_id))

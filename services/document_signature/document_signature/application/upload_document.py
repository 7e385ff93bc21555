"""Use case: the beneficiary adds a file (PDF, image, text document) to their space."""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import uuid4

import structlog

from document_signature.application.errors import (
    ForbiddenError,
    InvalidInputError,
    TooLargeError,
)
from document_signature.application.ports import FileStore, SignatureTransaction, UnitOfWork
from document_signature.domain.documents import (
    DocumentError,
    DocumentKind,
    StoredDocument,
    accepted_media_type,
)
from jalon_shared.access import Principal

log = structlog.get_logger(__name__)


async def upload_document(
    uow: UnitOfWork,
    files: FileStore,
    principal: Principal,
    *,
    title: str,
    filename: str,
    content: bytes,
    now: datetime,
) -> StoredDocument:
    """Store the file if its content is an accepted type, then list it in the space."""
    beneficiary_id = principal.beneficiary_id()
    if beneficiary_id is None:
        raise ForbiddenError("only a beneficiary has a document space")
    try:
        media_type = accepted_media_type(content)
    except DocumentError as exc:
        if exc.reason == "too_large":
            raise TooLargeError(str(exc)) from exc
        raise InvalidInputError(exc.field, exc.reason, str(exc)) from exc
    document = StoredDocument(
        document_id=uuid4(),
        beneficiary_id=beneficiary_id,
        kind=DocumentKind.UPLOAD,
        title=title,
        media_type=media_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        file_id=uuid4(),
        created_at=now,
    )
    await files.put(
        document.file_id,
        content,
        filename=filename,
        media_type=media_type,
        beneficiary_id=beneficiary_id,
    )

    async def work(tx: SignatureTransaction) -> StoredDocument:
        await tx.add_document(document)
        return document

    try:
        stored = await uow.run(work)
    except BaseException:
        # GridFS takes no transactions: a file whose listing failed is removed again.
        await files.delete(document.file_id)
        raise
    log.info("document uploaded", document_id=str(stored.document_id), size=stored.size)
    return stored

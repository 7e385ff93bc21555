"""Use case: a recipient opens a share link; the opening is logged on the share and the chain."""

from __future__ import annotations

from datetime import datetime

import structlog

from document_signature.application.chain import record
from document_signature.application.errors import NotFoundError
from document_signature.application.ports import FileStore, SignatureTransaction, UnitOfWork
from document_signature.domain.documents import Access, StoredDocument, token_digest
from document_signature.domain.evidence import Actor, EvidenceStep

log = structlog.get_logger(__name__)

#: Whatever is wrong with a link, the answer is the same.
NO_SHARE = "no such share, or it was revoked or has expired"


async def open_share(
    uow: UnitOfWork,
    files: FileStore,
    token: str,
    *,
    ip: str | None,
    user_agent: str | None,
    now: datetime,
) -> tuple[StoredDocument, bytes]:
    """Return the shared document's content while the link is open, logging the access."""

    async def work(tx: SignatureTransaction) -> StoredDocument:
        share = await tx.share_by_token(token_digest(token))
        if share is None or not share.is_open(now):
            raise NotFoundError(NO_SHARE)
        document = await tx.document(share.document_id)
        if document is None:
            raise NotFoundError(NO_SHARE)
        await tx.save_share(share.opened(Access(now, ip, user_agent)))
        await record(
            tx,
            document_id=document.document_id,
            beneficiary_id=document.beneficiary_id,
            step=EvidenceStep.SHARE_OPENED,
            actor=Actor("recipient", str(share.share_id), ip, user_agent),
            now=now,
            details={"share_id": str(share.share_id)},
        )
        return document

    document = await uow.run(work)
    content = await files.get(document.file_id)
    if content is None:
        raise NotFoundError(NO_SHARE)
    log.info("shared document opened", document_id=str(document.document_id))
    return document, content

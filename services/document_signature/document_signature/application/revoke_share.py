"""Use case: the beneficiary closes a share link before it expires."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from document_signature.application.access import owns
from document_signature.application.chain import record
from document_signature.application.errors import NotFoundError
from document_signature.application.ports import SignatureTransaction, UnitOfWork
from document_signature.domain.documents import Share
from document_signature.domain.evidence import Actor, EvidenceStep
from jalon_shared.access import Principal


async def revoke_share(
    uow: UnitOfWork, principal: Principal, share_id: UUID, *, actor: Actor, now: datetime
) -> Share:
    """Revoke the share (once; revoking again changes nothing) and log it."""

    async def work(tx: SignatureTransaction) -> Share:
        share = await tx.share(share_id)
        if share is None or not owns(principal, share.beneficiary_id):
            raise NotFoundError("no such share")
        if share.revoked_at is not None:
            return share
        revoked = share.revoked(now)
        await tx.save_share(revoked)
        await record(
            tx,
            document_id=share.document_id,
            beneficiary_id=share.beneficiary_id,
            step=EvidenceStep.SHARE_REVOKED,
            actor=actor,
            now=now,
            details={"share_id": str(share_id)},
        )
        return revoked

    return await uow.run(work)

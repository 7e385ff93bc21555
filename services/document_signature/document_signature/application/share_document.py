"""Use case: the beneficiary shares a document with someone through a time-limited link."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from document_signature.application import events
from document_signature.application.access import owned_document
from document_signature.application.chain import record
from document_signature.application.errors import InvalidInputError, NotFoundError
from document_signature.application.ports import SignatureQueries, SignatureTransaction, UnitOfWork
from document_signature.domain.documents import DocumentError, Share
from document_signature.domain.evidence import Actor, EvidenceStep
from jalon_shared.access import Principal
from jalon_shared.events.envelope import EventMeta

TOKEN_BYTES = 32


@dataclass(frozen=True, slots=True)
class ShareRequest:
    """Who the link is for, why, for how long, and the person's consent."""

    recipient: str
    purpose: str
    days: int
    consent: bool


async def share_document(
    uow: UnitOfWork,
    queries: SignatureQueries,
    principal: Principal,
    document_id: UUID,
    request: ShareRequest,
    *,
    actor: Actor,
    now: datetime,
    meta: EventMeta,
) -> tuple[Share, str]:
    """Create the share and return it with its token, which is shown this once only."""
    await owned_document(queries, principal, document_id)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    try:
        share = Share.create(
            share_id=uuid4(),
            document_id=document_id,
            beneficiary_id=UUID(principal.sub),
            recipient=request.recipient,
            purpose=request.purpose,
            days=request.days,
            consent=request.consent,
            token=token,
            now=now,
        )
    except DocumentError as exc:
        raise InvalidInputError(exc.field, exc.reason, str(exc)) from exc

    async def work(tx: SignatureTransaction) -> Share:
        document = await tx.document(document_id)
        if document is None:
            raise NotFoundError("no such document")
        await tx.save_share(share)
        await record(
            tx,
            document_id=document_id,
            beneficiary_id=document.beneficiary_id,
            step=EvidenceStep.SHARED,
            actor=actor,
            now=now,
            details={
                "share_id": str(share.share_id),
                "recipient": share.recipient,
                "purpose": share.purpose,
                "expires_at": share.expires_at.isoformat(),
            },
        )
        tx.publish(events.shared(document, share, meta))
        return share

    return await uow.run(work), token

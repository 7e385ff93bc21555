"""Use case: the counsellor sends the current version to the beneficiary for signature."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from document_signature.application import events
from document_signature.application.access import reachable_summary
from document_signature.application.chain import record
from document_signature.application.ports import (
    CaseDirectory,
    SignatureQueries,
    SignatureTransaction,
    UnitOfWork,
)
from document_signature.application.steps import conflict, load, require_role
from document_signature.domain.evidence import Actor, EvidenceStep
from document_signature.domain.summary import Summary, SummaryError
from jalon_shared.access import Principal, Role
from jalon_shared.events.envelope import EventMeta


async def submit_summary(
    uow: UnitOfWork,
    queries: SignatureQueries,
    directory: CaseDirectory,
    principal: Principal,
    document_id: UUID,
    *,
    actor: Actor,
    now: datetime,
    meta: EventMeta,
) -> Summary:
    """Freeze the draft for signature for the signing window, and tell intake."""
    require_role(principal, Role.COUNSELLOR)
    await reachable_summary(queries, directory, principal, document_id)

    async def work(tx: SignatureTransaction) -> Summary:
        summary = await load(tx, document_id)
        try:
            sent = summary.submitted(now)
        except SummaryError as exc:
            raise conflict(exc) from exc
        await tx.save_summary(sent)
        await record(
            tx,
            document_id=document_id,
            beneficiary_id=sent.beneficiary_id,
            step=EvidenceStep.SUBMITTED,
            actor=actor,
            now=now,
            details={
                "version": str(sent.version),
                "content_sha256": sent.current.content.digest(),
                "expires_at": sent.expires_at.isoformat() if sent.expires_at else "",
            },
        )
        tx.publish(events.submitted(sent, meta))
        return sent

    return await uow.run(work)

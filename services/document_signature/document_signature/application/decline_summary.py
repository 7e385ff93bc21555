"""Use case: the beneficiary declines to sign the summary, saying why."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from document_signature.application import events
from document_signature.application.access import owns, reachable_summary
from document_signature.application.chain import record
from document_signature.application.errors import NotFoundError
from document_signature.application.ports import (
    CaseDirectory,
    SignatureQueries,
    SignatureTransaction,
    UnitOfWork,
)
from document_signature.application.steps import conflict, load
from document_signature.domain.evidence import Actor, EvidenceStep
from document_signature.domain.summary import Summary, SummaryError
from jalon_shared.access import Principal
from jalon_shared.events.envelope import EventMeta


async def decline_summary(
    uow: UnitOfWork,
    queries: SignatureQueries,
    directory: CaseDirectory,
    principal: Principal,
    document_id: UUID,
    reason: str,
    *,
    actor: Actor,
    now: datetime,
    meta: EventMeta,
) -> Summary:
    """Close the summary unsigned with the beneficiary's reason, and tell intake."""
    summary = await reachable_summary(queries, directory, principal, document_id)
    if not owns(principal, summary.beneficiary_id):
        raise NotFoundError("no such summary")

    async def work(tx: SignatureTransaction) -> Summary:
        current = await load(tx, document_id)
        try:
            declined = current.declined(reason, now)
        except SummaryError as exc:
            raise conflict(exc) from exc
        await tx.save_summary(declined)
        await tx.drop_challenge(document_id)
        await record(
            tx,
            document_id=document_id,
            beneficiary_id=declined.beneficiary_id,
            step=EvidenceStep.DECLINED,
            actor=actor,
            now=now,
            details={"version": str(declined.version)},
        )
        tx.publish(events.declined(declined, meta))
        return declined

    return await uow.run(work)

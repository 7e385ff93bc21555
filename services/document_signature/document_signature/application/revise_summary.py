"""Use case: the counsellor writes a new version of a draft."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from document_signature.application.access import reachable_summary
from document_signature.application.chain import record
from document_signature.application.draft_summary import SummaryText
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


async def revise_summary(
    uow: UnitOfWork,
    queries: SignatureQueries,
    directory: CaseDirectory,
    principal: Principal,
    document_id: UUID,
    text: SummaryText,
    *,
    actor: Actor,
    now: datetime,
) -> Summary:
    """Store the next version of the draft; a submitted or closed summary is refused."""
    require_role(principal, Role.COUNSELLOR)
    await reachable_summary(queries, directory, principal, document_id)

    async def work(tx: SignatureTransaction) -> Summary:
        summary = await load(tx, document_id)
        try:
            revised = summary.revised(text.level, text.content, by=principal.sub, now=now)
        except SummaryError as exc:
            raise conflict(exc) from exc
        await tx.save_summary(revised)
        await record(
            tx,
            document_id=document_id,
            beneficiary_id=revised.beneficiary_id,
            step=EvidenceStep.REVISED,
            actor=actor,
            now=now,
            details={
                "version": str(revised.version),
                "level": text.level.value,
                "content_sha256": text.content.digest(),
            },
        )
        return revised

    return await uow.run(work)

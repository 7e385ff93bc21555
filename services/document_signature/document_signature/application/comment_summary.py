"""Use case: the beneficiary or the counsellor comments on the current version."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from document_signature.application.access import reachable_summary
from document_signature.application.chain import record
from document_signature.application.errors import ForbiddenError
from document_signature.application.ports import (
    CaseDirectory,
    SignatureQueries,
    SignatureTransaction,
    UnitOfWork,
)
from document_signature.application.steps import conflict, load
from document_signature.domain.evidence import Actor, EvidenceStep
from document_signature.domain.summary import AuthorRole, Summary, SummaryError
from jalon_shared.access import Principal, Role

AUTHORS = {Role.BENEFICIARY: AuthorRole.BENEFICIARY, Role.COUNSELLOR: AuthorRole.COUNSELLOR}


async def comment_summary(
    uow: UnitOfWork,
    queries: SignatureQueries,
    directory: CaseDirectory,
    principal: Principal,
    document_id: UUID,
    text: str,
    *,
    actor: Actor,
    now: datetime,
) -> Summary:
    """Add a comment while the summary is a draft or awaits signature."""
    author = AUTHORS.get(principal.role)
    if author is None:
        raise ForbiddenError("only the beneficiary or their counsellor comments")
    await reachable_summary(queries, directory, principal, document_id)
    comment_id = uuid4()

    async def work(tx: SignatureTransaction) -> Summary:
        summary = await load(tx, document_id)
        try:
            commented = summary.commented(
                comment_id=comment_id,
                author_role=author,
                author_id=principal.sub,
                text=text,
                now=now,
            )
        except SummaryError as exc:
            raise conflict(exc) from exc
        await tx.save_summary(commented)
        await record(
            tx,
            document_id=document_id,
            beneficiary_id=commented.beneficiary_id,
            step=EvidenceStep.COMMENTED,
            actor=actor,
            now=now,
            details={
                "comment_id": str(comment_id),
                "version": str(commented.version),
                "author_role": author.value,
            },
        )
        return commented

    return await uow.run(work)

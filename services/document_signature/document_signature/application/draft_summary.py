"""Use case: a counsellor starts the summary of one of their cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from document_signature.application.access import reachable_case
from document_signature.application.chain import record
from document_signature.application.errors import ConflictError
from document_signature.application.ports import CaseDirectory, SignatureTransaction, UnitOfWork
from document_signature.application.steps import require_role
from document_signature.domain.evidence import Actor, EvidenceStep
from document_signature.domain.summary import Summary, SummaryContent
from jalon_shared.access import Principal, Role
from jalon_shared.events.vocabulary import ServiceLevel


@dataclass(frozen=True, slots=True)
class SummaryText:
    """A version's level and content, as the counsellor writes it."""

    level: ServiceLevel
    content: SummaryContent


async def draft_summary(
    uow: UnitOfWork,
    directory: CaseDirectory,
    principal: Principal,
    case_id: UUID,
    text: SummaryText,
    *,
    actor: Actor,
    now: datetime,
) -> Summary:
    """Create a draft at version 1 for the counsellor's open case."""
    require_role(principal, Role.COUNSELLOR)
    case = await reachable_case(directory, principal, case_id)
    if case.status != "open":
        raise ConflictError("case_closed", "the case is closed", field="case_id")
    summary = Summary.draft(
        document_id=uuid4(),
        case_id=case.case_id,
        beneficiary_id=case.beneficiary_id,
        counsellor_id=principal.sub,
        level=text.level,
        content=text.content,
        now=now,
    )

    async def work(tx: SignatureTransaction) -> Summary:
        await tx.save_summary(summary)
        await record(
            tx,
            document_id=summary.document_id,
            beneficiary_id=summary.beneficiary_id,
            step=EvidenceStep.DRAFTED,
            actor=actor,
            now=now,
            details={
                "version": "1",
                "level": text.level.value,
                "content_sha256": text.content.digest(),
            },
        )
        return summary

    return await uow.run(work)

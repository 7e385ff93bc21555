"""Use cases: read one summary, a case's summaries, or the calling beneficiary's."""

from __future__ import annotations

from uuid import UUID

from document_signature.application.access import reachable_case, reachable_summary
from document_signature.application.errors import ForbiddenError
from document_signature.application.ports import CaseDirectory, SignatureQueries
from document_signature.domain.summary import Summary
from jalon_shared.access import Principal


async def show_summary(
    queries: SignatureQueries, directory: CaseDirectory, principal: Principal, document_id: UUID
) -> Summary:
    """Return a summary its beneficiary or its case's counsellor may read."""
    return await reachable_summary(queries, directory, principal, document_id)


async def list_case_summaries(
    queries: SignatureQueries, directory: CaseDirectory, principal: Principal, case_id: UUID
) -> list[Summary]:
    """Return a case's summaries, newest first, to its counsellor or its beneficiary."""
    case = await reachable_case(directory, principal, case_id)
    found = await queries.of_case(case.case_id)
    # A case handed over keeps its beneficiary: summaries of someone else never show.
    return [s for s in found if s.beneficiary_id == case.beneficiary_id]


async def list_my_summaries(queries: SignatureQueries, principal: Principal) -> list[Summary]:
    """Return the calling beneficiary's summaries, drafts included (they co-write them)."""
    beneficiary_id = principal.beneficiary_id()
    if beneficiary_id is None:
        raise ForbiddenError("only a beneficiary has summaries of their own")
    return await queries.of_beneficiary(beneficiary_id)

"""Use case: read a summary's evidence file and whether its chain still holds."""

from __future__ import annotations

from uuid import UUID

from document_signature.application.access import reachable_summary
from document_signature.application.ports import CaseDirectory, SignatureQueries
from document_signature.domain.evidence import EvidenceRecord, verify_chain
from jalon_shared.access import Principal


async def show_evidence(
    queries: SignatureQueries, directory: CaseDirectory, principal: Principal, document_id: UUID
) -> tuple[list[EvidenceRecord], bool]:
    """Return the records in order and whether every hash still holds."""
    await reachable_summary(queries, directory, principal, document_id)
    records = await queries.evidence(document_id)
    return records, verify_chain(records) is None

"""Who may reach a summary or a document: the shared case rule applied to this service's records.

A beneficiary reaches their own; a counsellor the summaries of the cases they currently hold
(the directory copy says who); anyone else is told it does not exist, so an id confirms nothing.
"""

from __future__ import annotations

from uuid import UUID

from document_signature.application.errors import NotFoundError
from document_signature.application.ports import CaseDirectory, SignatureQueries
from document_signature.domain.documents import DocumentKind, StoredDocument
from document_signature.domain.summary import Summary
from jalon_shared.access import Principal, Role, may_access_case
from jalon_shared.directory.model import CaseEntry


def owns(principal: Principal, beneficiary_id: UUID) -> bool:
    """Return whether the caller is this beneficiary."""
    return principal.role is Role.BENEFICIARY and principal.sub == str(beneficiary_id)


async def counsels(directory: CaseDirectory, principal: Principal, case_id: UUID | None) -> bool:
    """Return whether the caller is the counsellor who holds the case now."""
    if principal.role is not Role.COUNSELLOR or case_id is None:
        return False
    case = await directory.case(case_id)
    return case is not None and case.counsellor_id == principal.sub


async def may_see_summary(directory: CaseDirectory, principal: Principal, summary: Summary) -> bool:
    """Return whether the caller may read the summary (its beneficiary or its case's counsellor)."""
    return owns(principal, summary.beneficiary_id) or await counsels(
        directory, principal, summary.case_id
    )


async def reachable_summary(
    queries: SignatureQueries, directory: CaseDirectory, principal: Principal, document_id: UUID
) -> Summary:
    """Return the summary if the caller may read it, else refuse as not found."""
    summary = await queries.summary(document_id)
    if summary is None or not await may_see_summary(directory, principal, summary):
        raise NotFoundError("no such summary")
    return summary


async def reachable_case(
    directory: CaseDirectory, principal: Principal, case_id: UUID
) -> CaseEntry:
    """Return a case its beneficiary or counsellor reaches; managers and others get not found."""
    case = await directory.case(case_id)
    if (
        case is None
        or principal.role not in (Role.BENEFICIARY, Role.COUNSELLOR)
        or not may_access_case(
            principal,
            beneficiary_id=case.beneficiary_id,
            counsellor_id=case.counsellor_id,
            region=case.region,
        )
    ):
        raise NotFoundError("no such case")
    return case


async def readable_document(
    queries: SignatureQueries, directory: CaseDirectory, principal: Principal, document_id: UUID
) -> StoredDocument:
    """Return a document its owner reads, or a delivered summary its case's counsellor reads."""
    document = await queries.document(document_id)
    if document is None:
        raise NotFoundError("no such document")
    if owns(principal, document.beneficiary_id):
        return document
    if document.kind is DocumentKind.SUMMARY and await counsels(
        directory, principal, document.case_id
    ):
        return document
    raise NotFoundError("no such document")


async def owned_document(
    queries: SignatureQueries, principal: Principal, document_id: UUID
) -> StoredDocument:
    """Return a document of the caller's own space, else refuse as not found."""
    document = await queries.document(document_id)
    if document is None or not owns(principal, document.beneficiary_id):
        raise NotFoundError("no such document")
    return document

"""Use case: read one case with its person, request, possible duplicates and history."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from intake.application.errors import ForbiddenError, NotFoundError
from intake.application.ports import IntakeQueries
from intake.domain.model import Beneficiary, Case, CepRequest, DuplicateReview
from jalon_shared.access import Principal, may_access_case
from jalon_shared.places import Region


@dataclass(frozen=True, slots=True)
class FlaggedRequest:
    """A request flagged on the case, with the details of the person it may be."""

    request: CepRequest
    review: DuplicateReview
    #: The typed details while undecided, the case's person once confirmed, None once rejected.
    person: Beneficiary | None


@dataclass(frozen=True, slots=True)
class CaseFile:
    """Everything the case view shows, for a caller allowed to read it."""

    case: Case
    region: Region | None
    beneficiary: Beneficiary | None
    request: CepRequest | None
    duplicates: list[FlaggedRequest] = field(default_factory=list)
    staff_names: dict[str, str] = field(default_factory=dict)


async def get_case(
    case_id: UUID, *, principal: Principal, queries: IntakeQueries, after_change: bool = False
) -> CaseFile:
    """Return the case file if the caller may read it; only staff see possible duplicates."""
    case = await queries.case(case_id)
    if case is None:
        raise NotFoundError("unknown case")
    # Right after a change the caller was allowed to make, a hand-over still shows the former
    # owner the case they just handed over.
    if not after_change and not may_access_case(
        principal,
        beneficiary_id=case.beneficiary_id,
        counsellor_id=case.counsellor_id,
        region=case.region,
    ):
        raise ForbiddenError("not your case")
    beneficiary = await queries.beneficiary(case.beneficiary_id)
    duplicates: list[FlaggedRequest] = []
    if principal.is_staff:
        flagged = await queries.requests_flagged_on(case.case_id)
        waiting = await queries.beneficiaries(
            [r.beneficiary_id for r in flagged if r.awaits_review]
        )
        for request in flagged:
            if request.review is None:
                continue
            if request.awaits_review:
                person = waiting.get(request.beneficiary_id)
            elif request.beneficiary_id == case.beneficiary_id:
                person = beneficiary
            else:
                person = None  # someone else's now: their details are not this case's business
            duplicates.append(FlaggedRequest(request, request.review, person))
    return CaseFile(
        case=case,
        region=(await queries.regions([case.region])).get(case.region),
        beneficiary=beneficiary,
        request=await queries.latest_request_of_case(case.case_id),
        duplicates=duplicates,
        staff_names=await queries.counsellor_names(case.staff_ids()),
    )

"""Steps several use cases share: who acts, checking a place, opening, loading and closing cases."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from intake.application.errors import ForbiddenError, InvalidPlaceError, NotFoundError
from intake.application.ports import IntakeTransaction
from intake.domain.assignment import rank_counsellors
from intake.domain.model import (
    Actor,
    Case,
    CepRequest,
    DomainError,
    DuplicateReview,
    HistoryEntry,
)
from jalon_shared.access import Principal, may_manage_case
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.intake import CaseClosed, CaseOpened, RequestSubmitted
from jalon_shared.events.vocabulary import CaseAction, CloseReason, ReviewStatus
from jalon_shared.places import place_problem


def actor_of(principal: Principal) -> Actor:
    """Return how the caller appears in a case's history: a role, and staff by their id."""
    return Actor(principal.role.value, principal.sub if principal.is_staff else None)


async def check_place(tx: IntakeTransaction, region_code: str, site: str) -> None:
    """Refuse a region or site that is not open in the reference data."""
    region = await tx.region(region_code)
    elsewhere = (
        region is not None
        and region.site(site) is None
        and await tx.site_in_other_region(region_code, site)
    )
    problem = place_problem(region, site, site_in_other_region=elsewhere)
    if problem is not None:
        raise InvalidPlaceError(problem)


async def load_for_change(tx: IntakeTransaction, case_id: UUID, principal: Principal) -> Case:
    """Return the case if the caller may change it (its counsellor or a manager of its region)."""
    case = await tx.case(case_id)
    if case is None:
        raise NotFoundError("unknown case")
    if not may_manage_case(principal, counsellor_id=case.counsellor_id, region=case.region):
        raise ForbiddenError("not your case")
    return case


def request_submitted(
    request: CepRequest, *, meta: EventMeta, duplicate_of: UUID | None = None
) -> RequestSubmitted:
    """Return the event announcing a request, with categories only."""
    return RequestSubmitted(
        **meta.envelope(),
        occurred_at=request.submitted_at,
        request_id=request.request_id,
        beneficiary_id=request.beneficiary_id,
        region=request.region,
        site=request.site,
        csp=request.csp,
        employment_situation=request.employment_situation,
        service_level=request.service_level,
        topics=request.topics,
        modalities=request.modalities,
        accessibility=request.accessibility,
        duplicate_of=duplicate_of,
    )


async def open_case(
    tx: IntakeTransaction,
    request: CepRequest,
    *,
    languages: tuple[str, ...],
    by: Actor,
    at: datetime,
    meta: EventMeta,
    new_request: bool,
    causation_id: str | None = None,
    returning: bool | None = None,
) -> Case:
    """Open a case for the request, assign it (site, capacity, skills, languages), announce it.

    The request is stored with its case: added when it is new, saved over when it waited.
    Whether the person had a case before is looked up unless the caller knows (a new person).
    """
    if returning is None:
        returning = await tx.had_case(request.beneficiary_id)
    ranked = rank_counsellors(
        await tx.counsellors_in_region(request.region),
        region=request.region,
        site=request.site,
        wanted_skills=[topic.value for topic in request.topics],
        wanted_languages=languages,
        spread_key=str(request.request_id),
    )
    counsellor = await tx.claim_case_slot(ranked)
    owner = counsellor.counsellor_id if counsellor is not None else None
    case = Case(
        case_id=uuid4(),
        request_id=request.request_id,
        beneficiary_id=request.beneficiary_id,
        counsellor_id=owner,
        region=request.region,
        site=request.site,
        csp=request.csp,
        service_level=request.service_level,
        opened_at=at,
        history=[HistoryEntry.of(CaseAction.OPENED, by, at, counsellor_id=owner)],
    )
    request.case_id = case.case_id
    if new_request:
        await tx.add_request(request)
    else:
        await tx.save_request(request)
    await tx.add_case(case)
    envelope = meta.envelope()
    if causation_id is not None:
        envelope["causation_id"] = causation_id
    tx.emit(
        CaseOpened(
            **envelope,
            occurred_at=at,
            case_id=case.case_id,
            request_id=request.request_id,
            beneficiary_id=request.beneficiary_id,
            counsellor_id=owner,
            region=case.region,
            site=case.site,
            csp=case.csp,
            service_level=case.service_level,
            returning=returning,
        )
    )
    return case


def case_closed(
    case: Case, *, meta: EventMeta, at: datetime, reason: CloseReason, path_days: int
) -> CaseClosed:
    """Return the event announcing a case's closing, with its path duration and level."""
    return CaseClosed(
        **meta.envelope(),
        occurred_at=at,
        case_id=case.case_id,
        beneficiary_id=case.beneficiary_id,
        counsellor_id=case.counsellor_id,
        region=case.region,
        site=case.site,
        csp=case.csp,
        service_level=case.service_level,
        reason=reason,
        path_days=path_days,
    )


async def schedule_purge(tx: IntakeTransaction, case: Case) -> None:
    """Start the retention clock of a closed case's requests, and of its beneficiary if idle."""
    if case.purge_at is None:
        return
    await tx.schedule_request_purge(case.case_id, case.purge_at)
    if await tx.open_case_of(case.beneficiary_id) is not None:
        return
    beneficiary = await tx.beneficiary(case.beneficiary_id)
    if beneficiary is not None:
        beneficiary.purge_at = case.purge_at
        await tx.save_beneficiary(beneficiary)


async def load_pending_duplicate(
    tx: IntakeTransaction, case: Case, request_id: UUID
) -> tuple[CepRequest, DuplicateReview]:
    """Return the request flagged on the case that still waits for a decision, and its review."""
    request = await tx.request(request_id)
    review = request.review if request is not None else None
    if request is None or review is None or review.case_id != case.case_id:
        raise NotFoundError("no possible duplicate with this id on the case")
    if review.status is not ReviewStatus.PENDING:
        raise DomainError("this possible duplicate was already reviewed")
    return request, review

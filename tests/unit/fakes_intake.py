"""Intake's storage ports over dicts, for use-case tests without a database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from intake.adapters.mongo import alert_filter
from intake.application.ports import CaseloadQuery, IntakeTransaction
from intake.domain.model import Beneficiary, Case, CepRequest, Counsellor
from intake.domain.surveys import Survey, SurveyStatus
from jalon_shared.events.envelope import Event
from jalon_shared.events.vocabulary import CaseStatus
from jalon_shared.places import Region, Site

T = TypeVar("T")

BRETAGNE = Region(
    code="bretagne",
    label="Bretagne",
    sites=(
        Site(code="rennes", label="Rennes"),
        Site(code="brest", label="Brest"),
        Site(code="quimper", label="Quimper", active=False),
    ),
)
NORMANDIE = Region(
    code="normandie",
    label="Normandie",
    sites=(Site(code="caen", label="Caen"), Site(code="rouen", label="Rouen")),
)


class FakeStore:
    """Intake's collections as dicts, with the events each unit of work published."""

    def __init__(self) -> None:
        self.beneficiaries: dict[UUID, Beneficiary] = {}
        self.requests: dict[UUID, CepRequest] = {}
        self.cases: dict[UUID, Case] = {}
        self.counsellors: dict[str, Counsellor] = {}
        self.regions: dict[str, Region] = {BRETAGNE.code: BRETAGNE, NORMANDIE.code: NORMANDIE}
        self.surveys: dict[UUID, Survey] = {}
        self.published: list[Event] = []
        #: How many times work asked whether a person had a case (a lookup it may skip).
        self.had_case_lookups = 0

    async def run(
        self,
        work: Callable[[IntakeTransaction], Awaitable[T]],
        *,
        conflict_keys: Collection[str] = (),
        contacts: Collection[str] = (),
    ) -> T:
        """Run work on copies and keep its writes and events only if it succeeds."""
        tx = FakeTransaction(self)
        result = await work(tx)
        tx.commit()
        return result


class FakeTransaction:
    """IntakeTransaction over a FakeStore, staging writes until commit."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self._beneficiaries = {k: v.model_copy(deep=True) for k, v in store.beneficiaries.items()}
        self._requests = {k: v.model_copy(deep=True) for k, v in store.requests.items()}
        self._cases = {k: v.model_copy(deep=True) for k, v in store.cases.items()}
        self._counsellors = {k: v.model_copy(deep=True) for k, v in store.counsellors.items()}
        self._regions = dict(store.regions)
        self._surveys = {k: v.model_copy(deep=True) for k, v in store.surveys.items()}
        self._events: list[Event] = []

    def commit(self) -> None:
        self._store.beneficiaries = self._beneficiaries
        self._store.requests = self._requests
        self._store.cases = self._cases
        self._store.counsellors = self._counsellors
        self._store.regions = self._regions
        self._store.surveys = self._surveys
        self._store.published.extend(self._events)

    def emit(self, event: Event) -> None:
        self._events.append(event)

    async def beneficiary(self, beneficiary_id: UUID) -> Beneficiary | None:
        return self._beneficiaries.get(beneficiary_id)

    async def find_beneficiaries_by_contact(
        self, email: str, phone: str | None
    ) -> list[Beneficiary]:
        return [
            b
            for b in self._beneficiaries.values()
            if not b.provisional and (b.email == email or (phone is not None and b.phone == phone))
        ]

    async def save_beneficiary(self, beneficiary: Beneficiary) -> None:
        self._beneficiaries[beneficiary.beneficiary_id] = beneficiary

    async def delete_beneficiary(self, beneficiary_id: UUID) -> None:
        self._beneficiaries.pop(beneficiary_id, None)

    async def request(self, request_id: UUID) -> CepRequest | None:
        return self._requests.get(request_id)

    async def save_request(self, request: CepRequest) -> None:
        self._requests[request.request_id] = request

    async def delete_request(self, request_id: UUID) -> None:
        self._requests.pop(request_id, None)

    async def requests_of(self, beneficiary_id: UUID) -> list[CepRequest]:
        return [r for r in self._requests.values() if r.beneficiary_id == beneficiary_id]

    async def requests_flagged_on(self, case_ids: Collection[UUID]) -> list[CepRequest]:
        return [
            r
            for r in self._requests.values()
            if r.review is not None and r.review.case_id in case_ids
        ]

    async def schedule_request_purge(self, case_id: UUID, at: datetime) -> None:
        for request in self._requests.values():
            if request.case_id == case_id and request.purge_at is None:
                request.purge_at = at

    async def delete_requests_of(self, beneficiary_id: UUID) -> int:
        doomed = [k for k, r in self._requests.items() if r.beneficiary_id == beneficiary_id]
        for key in doomed:
            del self._requests[key]
        return len(doomed)

    async def cases_of(self, beneficiary_id: UUID) -> list[Case]:
        return [c for c in self._cases.values() if c.beneficiary_id == beneficiary_id]

    async def had_case(self, beneficiary_id: UUID) -> bool:
        self._store.had_case_lookups += 1
        return any(c.beneficiary_id == beneficiary_id for c in self._cases.values())

    async def survey(self, survey_id: UUID) -> Survey | None:
        return self._surveys.get(survey_id)

    async def add_survey(self, survey: Survey) -> None:
        # The unique index: one survey per case, kind and level.
        key = (survey.case_id, survey.kind, survey.service_level)
        assert all((s.case_id, s.kind, s.service_level) != key for s in self._surveys.values())
        self._surveys[survey.survey_id] = survey

    async def save_survey(self, survey: Survey) -> None:
        self._surveys[survey.survey_id] = survey

    async def surveys_of(self, beneficiary_id: UUID) -> list[Survey]:
        return [s for s in self._surveys.values() if s.beneficiary_id == beneficiary_id]

    async def delete_surveys_of(self, beneficiary_id: UUID) -> int:
        doomed = [k for k, s in self._surveys.items() if s.beneficiary_id == beneficiary_id]
        for key in doomed:
            del self._surveys[key]
        return len(doomed)

    async def open_case_of(self, beneficiary_id: UUID) -> Case | None:
        return next(
            (c for c in self._cases.values() if c.beneficiary_id == beneficiary_id and c.is_open),
            None,
        )

    async def case(self, case_id: UUID) -> Case | None:
        return self._cases.get(case_id)

    async def save_case(self, case: Case) -> None:
        self._cases[case.case_id] = case

    async def delete_case(self, case_id: UUID) -> None:
        self._cases.pop(case_id, None)

    async def add_beneficiary(self, beneficiary: Beneficiary) -> None:
        assert beneficiary.beneficiary_id not in self._beneficiaries
        await self.save_beneficiary(beneficiary)

    async def add_request(self, request: CepRequest) -> None:
        assert request.request_id not in self._requests
        await self.save_request(request)

    async def add_case(self, case: Case) -> None:
        assert case.case_id not in self._cases
        await self.save_case(case)

    async def counsellor(self, counsellor_id: str) -> Counsellor | None:
        return self._counsellors.get(counsellor_id)

    async def counsellors_in_region(self, region: str) -> list[Counsellor]:
        return [c for c in self._counsellors.values() if c.region == region and c.active]

    async def save_counsellor(self, counsellor: Counsellor) -> None:
        self._counsellors[counsellor.counsellor_id] = counsellor

    async def adjust_open_cases(self, counsellor_id: str, delta: int) -> None:
        self._counsellors[counsellor_id].open_cases += delta

    async def claim_case_slot(self, ranked: Sequence[Counsellor]) -> Counsellor | None:
        for candidate in ranked:
            current = self._counsellors[candidate.counsellor_id]
            if current.has_capacity():
                current.open_cases += 1
                return current
        return None

    async def region(self, code: str) -> Region | None:
        return self._regions.get(code)

    async def site_in_other_region(self, region: str, site: str) -> bool:
        return any(r.site(site) is not None for code, r in self._regions.items() if code != region)

    async def save_region(self, region: Region) -> None:
        self._regions[region.code] = region


def matches(query: dict[str, object], document: dict[str, object]) -> bool:
    """Apply the few MongoDB operators intake's caseload filters use: equality, $in and $lt."""
    for field, wanted in query.items():
        value = document.get(field)
        if isinstance(wanted, dict):
            for operator, operand in wanted.items():
                if operator == "$in" and value not in operand:
                    return False
                if operator == "$lt" and (value is None or not value < operand):
                    return False
        elif value != wanted:
            return False
    return True


class FakeQueries:
    """IntakeQueries over a FakeStore; the caseload applies the adapter's own alert filters."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    async def caseload(self, counsellor_id: str, query: CaseloadQuery, now: datetime) -> list[Case]:
        mine = [c for c in self._store.cases.values() if c.counsellor_id == counsellor_id]
        if query.status is not None:
            mine = [c for c in mine if c.status is query.status]
        if query.alert is not None:
            wanted = alert_filter(query, now)
            mine = [c for c in mine if matches(wanted, c.model_dump())]
        mine.sort(key=lambda c: c.opened_at, reverse=query.descending)
        return mine[query.offset : query.offset + query.limit]

    async def case(self, case_id: UUID) -> Case | None:
        return self._store.cases.get(case_id)

    async def beneficiary(self, beneficiary_id: UUID) -> Beneficiary | None:
        return self._store.beneficiaries.get(beneficiary_id)

    async def beneficiaries(self, ids: Collection[UUID]) -> dict[UUID, Beneficiary]:
        return {i: b for i, b in self._store.beneficiaries.items() if i in ids}

    async def beneficiary_names(self, ids: Collection[UUID]) -> dict[UUID, str]:
        return {i: b.display_name for i, b in self._store.beneficiaries.items() if i in ids}

    async def latest_request_of_case(self, case_id: UUID) -> CepRequest | None:
        joined = [r for r in self._store.requests.values() if r.case_id == case_id]
        return max(joined, key=lambda r: r.submitted_at, default=None)

    async def requests_flagged_on(self, case_id: UUID) -> list[CepRequest]:
        return [
            r
            for r in self._store.requests.values()
            if r.review is not None and r.review.case_id == case_id
        ]

    async def pending_duplicate_counts(self, case_ids: Collection[UUID]) -> dict[UUID, int]:
        counts: dict[UUID, int] = {}
        for request in self._store.requests.values():
            if request.awaits_review and request.review and request.review.case_id in case_ids:
                counts[request.review.case_id] = counts.get(request.review.case_id, 0) + 1
        return counts

    async def counsellors(self, region: str) -> list[Counsellor]:
        return [c for c in self._store.counsellors.values() if c.region == region]

    async def counsellor_names(self, ids: Collection[str]) -> dict[str, str]:
        return {
            i: c.display_name
            for i, c in self._store.counsellors.items()
            if i in ids and c.display_name
        }

    async def unassigned_cases(self, region: str, limit: int) -> list[Case]:
        return [
            c
            for c in self._store.cases.values()
            if c.region == region and c.counsellor_id is None and c.status is not CaseStatus.CLOSED
        ][:limit]

    async def regions(self, codes: Collection[str] | None = None) -> dict[str, Region]:
        return {
            code: region
            for code, region in self._store.regions.items()
            if codes is None or code in codes
        }

    async def open_surveys_of(self, beneficiary_id: UUID, now: datetime) -> list[Survey]:
        mine = [
            s
            for s in self._store.surveys.values()
            if s.beneficiary_id == beneficiary_id and s.status is SurveyStatus.PENDING
        ]
        return sorted(
            (s for s in mine if s.is_open(now)),
            key=lambda s: s.offered_at or now,
            reverse=True,
        )

    async def survey(self, survey_id: UUID) -> Survey | None:
        return self._store.surveys.get(survey_id)

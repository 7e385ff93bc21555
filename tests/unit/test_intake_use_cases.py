"""Intake's use cases over an in-memory store: counts, refusals, events and activity tracking."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID

import pytest

from intake.application.close_case import close_case
from intake.application.erase_beneficiary import erase_beneficiary
from intake.application.errors import ForbiddenError, NotFoundError
from intake.application.ports import IntakeTransaction
from intake.application.reassign_case import reassign_case
from intake.application.register_counsellor import register_counsellor
from intake.application.submit_request import submit_request
from intake.application.track_case_activity import track_case_activity
from intake.domain.commands import RegisterCounsellor, SubmitRequest
from intake.domain.model import Beneficiary, Case, CepRequest, Counsellor, DomainError
from jalon_shared.access import Principal, Role
from jalon_shared.events.appointment import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentHeld,
    AppointmentRescheduled,
)
from jalon_shared.events.document import DocumentSigned, DocumentSubmittedForSignature
from jalon_shared.events.envelope import Event, EventMeta
from jalon_shared.events.intake import BeneficiaryErased, CaseClosed, CaseReassigned
from jalon_shared.events.vocabulary import CaseStatus, CloseReason, Modality

T = TypeVar("T")
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
META = EventMeta(correlation_id="test", producer="intake")
REGION = "bretagne"


class FakeStore:
    """Intake's collections as dicts, with the events each unit of work published."""

    def __init__(self) -> None:
        self.beneficiaries: dict[UUID, Beneficiary] = {}
        self.requests: dict[UUID, CepRequest] = {}
        self.cases: dict[UUID, Case] = {}
        self.counsellors: dict[str, Counsellor] = {}
        self.published: list[Event] = []

    async def run(
        self, work: Callable[[IntakeTransaction], Awaitable[T]], *, serialize_on: str | None = None
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
        self._events: list[Event] = []

    def commit(self) -> None:
        self._store.beneficiaries = self._beneficiaries
        self._store.requests = self._requests
        self._store.cases = self._cases
        self._store.counsellors = self._counsellors
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
            if b.email == email or (phone is not None and b.phone == phone)
        ]

    async def save_beneficiary(self, beneficiary: Beneficiary) -> None:
        self._beneficiaries[beneficiary.beneficiary_id] = beneficiary

    async def delete_beneficiary(self, beneficiary_id: UUID) -> None:
        self._beneficiaries.pop(beneficiary_id, None)

    async def save_request(self, request: CepRequest) -> None:
        self._requests[request.request_id] = request

    async def requests_of(self, beneficiary_id: UUID) -> list[CepRequest]:
        return [r for r in self._requests.values() if r.beneficiary_id == beneficiary_id]

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

    async def open_case_of(self, beneficiary_id: UUID) -> Case | None:
        return next(
            (
                c
                for c in self._cases.values()
                if c.beneficiary_id == beneficiary_id and c.status is not CaseStatus.CLOSED
            ),
            None,
        )

    async def case(self, case_id: UUID) -> Case | None:
        return self._cases.get(case_id)

    async def save_case(self, case: Case) -> None:
        self._cases[case.case_id] = case

    async def counsellor(self, counsellor_id: str) -> Counsellor | None:
        return self._counsellors.get(counsellor_id)

    async def counsellors_in_region(self, region: str) -> list[Counsellor]:
        return [c for c in self._counsellors.values() if c.region == region and c.active]

    async def save_counsellor(self, counsellor: Counsellor) -> None:
        self._counsellors[counsellor.counsellor_id] = counsellor

    async def adjust_open_cases(self, counsellor_id: str, delta: int) -> None:
        self._counsellors[counsellor_id].open_cases += delta


def clock() -> datetime:
    return NOW


def staff(sub: str, role: Role, region: str = REGION) -> Principal:
    return Principal(sub=sub, role=role, region=region)


def request_body(email: str, region: str = REGION) -> SubmitRequest:
    return SubmitRequest.model_validate(
        {
            "first_name": "Camille",
            "last_name": "Martin",
            "email": email,
            "employment_situation": "employed",
            "csp": "employe",
            "region": region,
            "site": "rennes",
            "consent": {"accepted": True, "text_version": "2026-01"},
        }
    )


async def store_with_case(*counsellors: Counsellor) -> tuple[FakeStore, Case]:
    store = FakeStore()
    for c in counsellors:
        store.counsellors[c.counsellor_id] = c
    outcome = await submit_request(
        request_body("camille@example.org"),
        beneficiary_id=None,
        submitted_by="beneficiary",
        uow=store,
        clock=clock,
        meta=META,
    )
    assert outcome.case_id is not None
    return store, store.cases[outcome.case_id]


async def test_the_owner_hands_over_and_both_caseload_counts_follow() -> None:
    store, case = await store_with_case(
        Counsellor(counsellor_id="a", region=REGION, site="rennes", capacity=5),
        Counsellor(counsellor_id="b", region=REGION, site="rennes", capacity=1),
    )
    assert case.counsellor_id == "a"
    moved = await reassign_case(
        case.case_id,
        "b",
        principal=staff("a", Role.COUNSELLOR),
        uow=store,
        clock=clock,
        meta=META,
    )
    assert moved.counsellor_id == "b"
    assert {c.counsellor_id: c.open_cases for c in store.counsellors.values()} == {"a": 0, "b": 1}
    event = store.published[-1]
    assert isinstance(event, CaseReassigned)
    assert (event.from_counsellor_id, event.to_counsellor_id) == ("a", "b")
    assert [h.action for h in store.cases[case.case_id].history] == ["opened", "reassigned"]


async def test_hand_overs_stay_inside_the_region_and_with_the_case_staff() -> None:
    store, case = await store_with_case(
        Counsellor(counsellor_id="a", region=REGION, site="rennes", capacity=5),
        Counsellor(counsellor_id="b", region=REGION, site="rennes", capacity=5),
        Counsellor(counsellor_id="z", region="normandie", site="caen", capacity=5),
    )
    published = len(store.published)

    async def attempt(to: str, principal: Principal) -> Case:
        return await reassign_case(
            case.case_id, to, principal=principal, uow=store, clock=clock, meta=META
        )

    with pytest.raises(DomainError, match="another region"):
        await attempt("z", staff("m-1", Role.MANAGER))
    with pytest.raises(ForbiddenError):
        await attempt("a", staff("b", Role.COUNSELLOR))  # not b's case to give away
    with pytest.raises(ForbiddenError):
        await attempt("b", staff("m-9", Role.MANAGER, region="normandie"))
    with pytest.raises(ForbiddenError):
        await attempt("b", Principal(sub=str(case.beneficiary_id), role=Role.BENEFICIARY))
    with pytest.raises(NotFoundError):
        await attempt("nobody", staff("m-1", Role.MANAGER))
    assert len(store.published) == published
    assert store.counsellors["a"].open_cases == 1


async def test_closing_frees_the_slot_and_reports_path_days_and_level() -> None:
    store, case = await store_with_case(
        Counsellor(counsellor_id="a", region=REGION, site="rennes", capacity=5)
    )

    def later() -> datetime:
        return NOW + timedelta(days=12)

    closed = await close_case(
        case.case_id,
        CloseReason.PATH_COMPLETED,
        principal=staff("a", Role.COUNSELLOR),
        uow=store,
        clock=later,
        meta=META,
    )
    assert closed.status is CaseStatus.CLOSED
    assert store.counsellors["a"].open_cases == 0
    event = store.published[-1]
    assert isinstance(event, CaseClosed)
    assert (event.path_days, event.service_level) == (12, case.service_level)
    with pytest.raises(DomainError, match="already closed"):
        await close_case(
            case.case_id,
            CloseReason.OTHER,
            principal=staff("a", Role.COUNSELLOR),
            uow=store,
            clock=later,
            meta=META,
        )
    assert store.counsellors["a"].open_cases == 0


async def test_a_manager_erases_only_people_followed_in_their_region_alone() -> None:
    store, case = await store_with_case(
        Counsellor(counsellor_id="a", region=REGION, site="rennes", capacity=5)
    )
    person = case.beneficiary_id
    # The same person also asked in another region, where the request is a flagged duplicate.
    await submit_request(
        request_body("camille@example.org", region="normandie"),
        beneficiary_id=None,
        submitted_by="beneficiary",
        uow=store,
        clock=clock,
        meta=META,
    )
    assert {r.region for r in store.requests.values()} == {REGION, "normandie"}
    for region in (REGION, "normandie", "occitanie"):
        with pytest.raises(ForbiddenError):
            await erase_beneficiary(
                person, erased_by="manager", uow=store, clock=clock, meta=META, region=region
            )
    assert person in store.beneficiaries
    assert (
        await erase_beneficiary(person, erased_by="beneficiary", uow=store, clock=clock, meta=META)
        == 1
    )
    assert store.beneficiaries == {}
    assert store.requests == {}
    assert all(c.beneficiary_id != person for c in store.cases.values())
    assert store.counsellors["a"].open_cases == 0
    assert isinstance(store.published[-1], BeneficiaryErased)
    with pytest.raises(NotFoundError):
        await erase_beneficiary(person, erased_by="beneficiary", uow=store, clock=clock, meta=META)


async def test_activity_events_in_any_order_give_the_same_caseload_line() -> None:
    store, case = await store_with_case(
        Counsellor(counsellor_id="a", region=REGION, site="rennes", capacity=5)
    )
    case_id = case.case_id
    kept, dropped, document = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    events: list[Event] = [
        AppointmentBooked(
            case_id=case_id,
            correlation_id="t",
            producer="appointment",
            occurred_at=NOW,
            appointment_id=kept,
            beneficiary_id=case.beneficiary_id,
            counsellor_id="a",
            starts_at=NOW + timedelta(days=3),
            modality=Modality.PHONE,
        ),
        AppointmentRescheduled(
            case_id=case_id,
            correlation_id="t",
            producer="appointment",
            occurred_at=NOW + timedelta(hours=1),
            appointment_id=kept,
            starts_at=NOW + timedelta(days=5),
            rescheduled_from=NOW + timedelta(days=3),
        ),
        AppointmentBooked(
            case_id=case_id,
            correlation_id="t",
            producer="appointment",
            occurred_at=NOW,
            appointment_id=dropped,
            beneficiary_id=case.beneficiary_id,
            counsellor_id="a",
            starts_at=NOW + timedelta(days=1),
            modality=Modality.VIDEO,
        ),
        AppointmentCancelled(
            case_id=case_id,
            correlation_id="t",
            producer="appointment",
            occurred_at=NOW + timedelta(hours=2),
            appointment_id=dropped,
        ),
        AppointmentHeld(
            case_id=case_id,
            correlation_id="t",
            producer="appointment",
            occurred_at=NOW - timedelta(days=1),
            appointment_id=uuid.uuid4(),
            modality=Modality.FACE_TO_FACE,
        ),
        DocumentSubmittedForSignature(
            case_id=case_id,
            correlation_id="t",
            producer="document",
            document_id=document,
            beneficiary_id=case.beneficiary_id,
        ),
        DocumentSigned(
            case_id=case_id,
            correlation_id="t",
            producer="document",
            document_id=document,
            beneficiary_id=case.beneficiary_id,
        ),
    ]

    async def line(order: list[Event]) -> tuple[object, ...]:
        fresh = store.cases[case.case_id].model_copy(deep=True)
        replay = FakeStore()
        replay.cases[fresh.case_id] = fresh
        for event in order:

            async def apply(tx: IntakeTransaction, event: Event = event) -> bool:
                return await track_case_activity(event, tx)

            assert await replay.run(apply)
        tracked = replay.cases[fresh.case_id]
        return (
            tracked.next_appointment_at,
            tracked.last_contact_at,
            tracked.pending_signature,
            tracked.status,
        )

    in_order = await line(events)
    assert in_order == (
        NOW + timedelta(days=5),
        NOW - timedelta(days=1),
        False,
        CaseStatus.IN_PROGRESS,
    )
    assert await line(list(reversed(events))) == in_order
    assert await line(events[1::2] + events[0::2]) == in_order
    unknown = DocumentSigned(
        case_id=uuid.uuid4(),
        correlation_id="t",
        producer="document",
        document_id=uuid.uuid4(),
        beneficiary_id=uuid.uuid4(),
    )

    async def apply_unknown(tx: IntakeTransaction) -> bool:
        return await track_case_activity(unknown, tx)

    assert not await store.run(apply_unknown)


async def test_counsellors_change_region_only_empty_handed_and_by_their_own_manager() -> None:
    store, case = await store_with_case(
        Counsellor(counsellor_id="a", region=REGION, site="rennes", capacity=5)
    )
    moved = RegisterCounsellor(counsellor_id="a", region="normandie", site="caen", capacity=5)
    with pytest.raises(ForbiddenError):
        await register_counsellor(moved, uow=store, meta=META, acting_region="normandie")
    with pytest.raises(DomainError, match="hand the counsellor's open cases over"):
        await register_counsellor(moved, uow=store, meta=META)
    assert store.counsellors["a"].region == REGION
    await close_case(
        case.case_id,
        CloseReason.OTHER,
        principal=staff("a", Role.COUNSELLOR),
        uow=store,
        clock=clock,
        meta=META,
    )
    updated = await register_counsellor(moved, uow=store, meta=META, acting_region=None)
    assert (updated.region, updated.open_cases) == ("normandie", 0)

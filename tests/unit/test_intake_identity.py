"""Whose request is whose: the token's subject, never a typed contact; staff review duplicates."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from intake.application.confirm_duplicate import confirm_duplicate
from intake.application.erase_beneficiary import erase_beneficiary
from intake.application.errors import ContactInUseError, ForbiddenError, NotFoundError
from intake.application.get_case import get_case
from intake.application.get_caseload import get_caseload
from intake.application.ports import CaseloadQuery
from intake.application.reject_duplicate import reject_duplicate
from intake.application.submit_request import SubmitOutcome, submit_request
from intake.domain.alerts import alerts_for
from intake.domain.model import (
    Actor,
    Counsellor,
    DomainError,
)
from jalon_shared.access import Principal, Role
from jalon_shared.events.intake import BeneficiaryErased, CaseOpened, RequestSubmitted
from jalon_shared.events.vocabulary import CaseAlert, RequestOutcome, ReviewStatus
from tests.unit.fakes_intake import FakeQueries, FakeStore
from tests.unit.test_intake_use_cases import (
    META,
    NOW,
    REGION,
    beneficiary,
    clock,
    request_body,
    staff,
)

COUNSELLOR = staff("a", Role.COUNSELLOR)
MANAGER = staff("m-1", Role.MANAGER)


def team() -> FakeStore:
    store = FakeStore()
    for cid, name in (("a", "Camille Bernard"), ("b", "Louise Martin")):
        store.counsellors[cid] = Counsellor(
            counsellor_id=cid, display_name=name, region=REGION, site="rennes", capacity=5
        )
    return store


async def submit(
    store: FakeStore, principal: Principal, email: str, **fields: str
) -> SubmitOutcome:
    return await submit_request(
        request_body(email, **fields), principal=principal, uow=store, clock=clock, meta=META
    )


async def test_a_beneficiary_cannot_take_another_persons_email() -> None:
    store = team()
    first = await submit(store, beneficiary(), "lea@example.org")
    before = (dict(store.beneficiaries), dict(store.requests), dict(store.cases))
    published = len(store.published)
    stranger = beneficiary()
    with pytest.raises(ContactInUseError) as refused:
        await submit(store, stranger, " LEA@example.org ")
    assert refused.value.field == "email"
    assert str(first.case_id) not in str(refused.value)
    assert (store.beneficiaries, store.requests, store.cases) == before
    assert len(store.published) == published


async def test_two_people_sharing_a_phone_each_get_their_own_case() -> None:
    store = team()
    # A household line: the second person's phone is the first one's, written otherwise.
    first = await submit(store, beneficiary(), "lea@example.org", phone="06 12 34 56 78")
    partner_id = uuid.uuid4()
    second = await submit(
        store, beneficiary(partner_id), "yann@example.org", phone="+33 6 12 34 56 78"
    )
    assert (first.outcome, second.outcome) == (
        RequestOutcome.CASE_OPENED,
        RequestOutcome.CASE_OPENED,
    )
    assert first.case_id != second.case_id
    assert second.case_id is not None
    partner_case = store.cases[second.case_id]
    assert partner_case.beneficiary_id == partner_id
    assert store.beneficiaries[partner_id].phone == "+33612345678"
    assert [r.beneficiary_id for r in store.requests.values() if r.case_id == second.case_id] == [
        partner_id
    ]
    assert all(r.review is None for r in store.requests.values())


async def test_a_second_request_joins_the_beneficiarys_own_case() -> None:
    store = team()
    person = uuid.uuid4()
    first = await submit(store, beneficiary(person), "lea@example.org")
    again = await submit(
        store, beneficiary(person), "lea.new@example.org", first_name="Léa", phone="0611223344"
    )
    assert again.outcome is RequestOutcome.ADDED_TO_OWN_CASE
    assert again.case_id == first.case_id
    assert len(store.cases) == 1
    own = store.beneficiaries[person]
    assert (own.first_name, own.email, own.phone) == ("Léa", "lea.new@example.org", "+33611223344")
    assert {r.case_id for r in store.requests.values()} == {first.case_id}
    events = [e for e in store.published if isinstance(e, RequestSubmitted)]
    assert first.case_id is not None
    assert events[-1].duplicate_of == store.cases[first.case_id].request_id


async def test_a_token_that_names_no_beneficiary_or_staff_outside_the_region_is_refused() -> None:
    store = team()
    with pytest.raises(ForbiddenError):
        await submit(store, Principal(sub="not-a-uuid", role=Role.BENEFICIARY), "x@example.org")
    with pytest.raises(ForbiddenError, match="outside your region"):
        await submit(store, staff("c-9", Role.COUNSELLOR, region="normandie"), "x@example.org")
    with pytest.raises(ForbiddenError):
        await submit(store, Principal(sub="ops", role=Role.SERVICE), "x@example.org")
    assert store.requests == {}


async def flagged_store() -> tuple[FakeStore, uuid.UUID, SubmitOutcome]:
    """A person with an open case, and staff taking a request on the phone with their email."""
    store = team()
    person = uuid.uuid4()
    own = await submit(store, beneficiary(person), "lea@example.org", phone="0612345678")
    assert own.case_id is not None
    phoned = await submit(
        store, MANAGER, "LEA@example.org", first_name="Lea", last_name="Petit", phone="0699999999"
    )
    return store, own.case_id, phoned


async def test_staff_intake_matching_someone_is_held_for_review_and_discloses_nothing() -> None:
    store, case_id, phoned = await flagged_store()
    assert phoned == SubmitOutcome(
        phoned.request_id, None, RequestOutcome.PENDING_DUPLICATE_REVIEW, False
    )
    request = store.requests[phoned.request_id]
    assert request.case_id is None
    assert request.review is not None
    assert (request.review.case_id, request.review.matched_on) == (case_id, ("email",))
    assert request.review.status is ReviewStatus.PENDING
    assert request.purge_at == NOW + timedelta(days=90)
    provisional = store.beneficiaries[request.beneficiary_id]
    assert provisional.provisional
    assert (provisional.first_name, provisional.phone) == ("Lea", "+33699999999")
    case = store.cases[case_id]
    assert case.history[-1].action == "duplicate_flagged"
    assert (case.history[-1].by, case.history[-1].by_id) == ("manager", "m-1")
    assert len(store.cases) == 1
    assert not [e for e in store.published if isinstance(e, CaseOpened) and e.case_id != case_id]
    # Nobody else matches a provisional record: another call for the same person is flagged too.
    again = await submit(store, MANAGER, "lea@example.org")
    assert again.outcome is RequestOutcome.PENDING_DUPLICATE_REVIEW


async def test_staff_intake_for_someone_new_opens_an_assigned_case() -> None:
    store = team()
    opened = await submit(store, COUNSELLOR, "new@example.org")
    assert opened.outcome is RequestOutcome.CASE_OPENED
    assert opened.counsellor_assigned
    assert opened.case_id is not None
    case = store.cases[opened.case_id]
    assert not store.beneficiaries[case.beneficiary_id].provisional
    assert (case.history[0].by, case.history[0].by_id) == ("counsellor", "a")


async def test_confirming_a_duplicate_joins_the_request_and_drops_the_provisional_record() -> None:
    store, case_id, phoned = await flagged_store()
    provisional_id = store.requests[phoned.request_id].beneficiary_id
    case = store.cases[case_id]
    owner = staff(case.counsellor_id or "", Role.COUNSELLOR)
    await confirm_duplicate(case_id, phoned.request_id, principal=owner, uow=store, clock=clock)
    request = store.requests[phoned.request_id]
    assert (request.case_id, request.beneficiary_id) == (case_id, case.beneficiary_id)
    assert request.review is not None
    assert request.review.status is ReviewStatus.CONFIRMED
    assert request.purge_at is None
    assert provisional_id not in store.beneficiaries
    assert store.cases[case_id].history[-1].action == "duplicate_confirmed"
    with pytest.raises(DomainError, match="already reviewed"):
        await confirm_duplicate(case_id, phoned.request_id, principal=owner, uow=store, clock=clock)


async def test_rejecting_a_duplicate_opens_an_assigned_case_for_the_other_person() -> None:
    store, case_id, phoned = await flagged_store()
    provisional_id = store.requests[phoned.request_id].beneficiary_id
    await reject_duplicate(
        case_id, phoned.request_id, principal=MANAGER, uow=store, clock=clock, meta=META
    )
    other = store.beneficiaries[provisional_id]
    assert not other.provisional
    assert other.purge_at is None
    request = store.requests[phoned.request_id]
    assert request.review is not None
    assert request.review.status is ReviewStatus.REJECTED
    assert request.case_id is not None
    assert request.case_id != case_id
    new_case = store.cases[request.case_id]
    assert new_case.beneficiary_id == provisional_id
    assert new_case.counsellor_id is not None
    assert store.counsellors[new_case.counsellor_id].open_cases >= 1
    assert store.cases[case_id].beneficiary_id != provisional_id
    assert store.cases[case_id].history[-1].action == "duplicate_rejected"
    opened = store.published[-1]
    assert isinstance(opened, CaseOpened)
    assert (opened.case_id, opened.beneficiary_id) == (new_case.case_id, provisional_id)


async def test_only_the_case_staff_review_its_duplicates_and_only_its_own() -> None:
    store, case_id, phoned = await flagged_store()
    other_case = await submit(store, beneficiary(), "someone@example.org")
    assert other_case.case_id is not None
    outsiders = [
        staff("m-9", Role.MANAGER, region="normandie"),
        beneficiary(store.cases[case_id].beneficiary_id),
    ]
    if store.cases[case_id].counsellor_id != "b":
        outsiders.append(staff("b", Role.COUNSELLOR))
    for outsider in outsiders:
        with pytest.raises(ForbiddenError):
            await confirm_duplicate(
                case_id, phoned.request_id, principal=outsider, uow=store, clock=clock
            )
    with pytest.raises(NotFoundError):
        await confirm_duplicate(
            other_case.case_id, phoned.request_id, principal=MANAGER, uow=store, clock=clock
        )
    with pytest.raises(NotFoundError):
        await reject_duplicate(
            case_id, uuid.uuid4(), principal=MANAGER, uow=store, clock=clock, meta=META
        )
    assert store.requests[phoned.request_id].awaits_review


async def test_the_case_view_shows_staff_the_possible_duplicates_and_the_person_none() -> None:
    store, case_id, phoned = await flagged_store()
    queries = FakeQueries(store)
    person = beneficiary(store.cases[case_id].beneficiary_id)
    own_view = await get_case(case_id, principal=person, queries=queries)
    assert own_view.duplicates == []
    staff_view = await get_case(case_id, principal=MANAGER, queries=queries)
    [flagged] = staff_view.duplicates
    assert flagged.request.request_id == phoned.request_id
    assert flagged.person is not None
    assert (flagged.person.first_name, flagged.review.matched_on) == ("Lea", ("email",))
    assert staff_view.region is not None
    assert staff_view.region.site_label("rennes") == "Rennes"
    owner = store.cases[case_id].counsellor_id or ""
    assert staff_view.staff_names[owner] in ("Camille Bernard", "Louise Martin")
    await reject_duplicate(
        case_id, phoned.request_id, principal=MANAGER, uow=store, clock=clock, meta=META
    )
    [rejected] = (await get_case(case_id, principal=MANAGER, queries=queries)).duplicates
    assert rejected.review.status is ReviewStatus.REJECTED
    assert rejected.person is None  # someone else's details now


async def test_erasure_deletes_flagged_duplicates_and_leaves_stubs_with_no_link() -> None:
    store, case_id, phoned = await flagged_store()
    person = store.cases[case_id].beneficiary_id
    request_id = store.cases[case_id].request_id
    provisional_id = store.requests[phoned.request_id].beneficiary_id
    await erase_beneficiary(
        person, erased_by=Actor("beneficiary"), uow=store, clock=clock, meta=META
    )
    assert store.requests == {}
    assert store.beneficiaries == {}
    assert provisional_id not in store.beneficiaries
    [stub] = store.cases.values()
    assert stub.case_id != case_id
    assert stub.request_id is None
    assert stub.status.value == "closed"
    dumped = stub.model_dump_json()
    for link in (person, case_id, request_id, phoned.request_id):
        assert str(link) not in dumped
    assert {entry.by for entry in stub.history} <= {"beneficiary", "manager", "counsellor"}
    erased = store.published[-1]
    assert isinstance(erased, BeneficiaryErased)
    assert (erased.beneficiary_id, erased.case_ids) == (person, (case_id,))


async def test_a_rejected_duplicate_survives_erasure_of_the_case_person_without_a_trace() -> None:
    store, case_id, phoned = await flagged_store()
    person = store.cases[case_id].beneficiary_id
    await reject_duplicate(
        case_id, phoned.request_id, principal=MANAGER, uow=store, clock=clock, meta=META
    )
    await erase_beneficiary(
        person, erased_by=Actor("beneficiary"), uow=store, clock=clock, meta=META
    )
    kept = store.requests[phoned.request_id]
    assert kept.review is None
    assert kept.case_id in store.cases
    assert person not in store.beneficiaries


async def test_six_never_contacted_cases_older_than_the_threshold_are_reported() -> None:
    store = team()
    store.counsellors["a"].capacity = 20
    store.counsellors["b"].active = False
    for i in range(8):
        await submit(store, beneficiary(), f"p{i}@example.org")
    cases = sorted(store.cases.values(), key=lambda c: c.case_id)
    # Six opened two weeks ago and never contacted; two opened this morning.
    for case in cases[:6]:
        case.opened_at = case.last_activity_at = NOW - timedelta(days=14)

    def now() -> datetime:
        return NOW + timedelta(hours=3)

    queries = FakeQueries(store)
    query = CaseloadQuery(alert=CaseAlert.NOT_CONTACTED, limit=200, descending=False)
    lines = await get_caseload("a", query, queries=queries, clock=now)
    assert sorted(line.case.case_id for line in lines) == sorted(c.case_id for c in cases[:6])
    assert all(CaseAlert.NOT_CONTACTED in line.alerts for line in lines)
    assert all(line.beneficiary_name == "Camille Martin" for line in lines)
    assert all(line.site_label == "Rennes" for line in lines)
    everything = await get_caseload("a", CaseloadQuery(), queries=queries, clock=now)
    assert sum(CaseAlert.NOT_CONTACTED in line.alerts for line in everything) == 6
    # The rule alone agrees, whatever the weekday: fourteen days hold ten working days.
    for offset in range(7):
        moment = NOW + timedelta(days=offset)
        for case in cases[:6]:
            case.opened_at = moment - timedelta(days=14)
            assert alerts_for(case, moment, no_contact_days=30, first_contact_days=5) == [
                CaseAlert.NOT_CONTACTED
            ]


async def test_caseload_lines_count_pending_duplicates() -> None:
    store, case_id, _ = await flagged_store()
    owner = store.cases[case_id].counsellor_id or ""
    lines = await get_caseload(owner, CaseloadQuery(), queries=FakeQueries(store), clock=clock)
    counts = {line.case.case_id: line.pending_duplicates for line in lines}
    assert counts[case_id] == 1

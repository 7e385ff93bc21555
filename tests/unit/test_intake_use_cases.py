"""Intake's use cases over an in-memory store: counts, refusals, events and activity tracking."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from intake.application.close_case import close_case
from intake.application.erase_beneficiary import erase_beneficiary
from intake.application.errors import ForbiddenError, InvalidPlaceError, NotFoundError
from intake.application.ports import IntakeTransaction
from intake.application.reassign_case import reassign_case
from intake.application.register_counsellor import register_counsellor
from intake.application.register_region import register_region
from intake.application.submit_request import submit_request
from intake.application.track_case_activity import track_case_activity
from intake.domain.commands import RegisterCounsellor, RegisterRegion, SubmitRequest
from intake.domain.model import Actor, Case, Counsellor, DomainError, PersonDetails
from jalon_shared.access import Principal, Role
from jalon_shared.events.appointment import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentHeld,
    AppointmentNoShow,
    AppointmentRescheduled,
)
from jalon_shared.events.document import DocumentSigned, DocumentSubmittedForSignature
from jalon_shared.events.envelope import Event, EventMeta
from jalon_shared.events.intake import (
    BeneficiaryErased,
    CaseClosed,
    CaseReassigned,
    RegionRegistered,
)
from jalon_shared.events.vocabulary import (
    AbsentParty,
    CaseStatus,
    CloseReason,
    Csp,
    EmploymentSituation,
    Modality,
    RequestOutcome,
)
from jalon_shared.places import Site
from tests.unit.fakes_intake import FakeStore

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
META = EventMeta(correlation_id="test", producer="intake")
REGION = "bretagne"


def clock() -> datetime:
    return NOW


def staff(sub: str, role: Role, region: str = REGION) -> Principal:
    return Principal(sub=sub, role=role, region=region)


def beneficiary(person: uuid.UUID | None = None) -> Principal:
    return Principal(sub=str(person or uuid.uuid4()), role=Role.BENEFICIARY)


def request_body(email: str, region: str = REGION, **fields: Any) -> SubmitRequest:
    details: dict[str, Any] = {"first_name": "Camille", "last_name": "Martin", "email": email}
    details.update({k: fields.pop(k) for k in ("first_name", "last_name", "phone") if k in fields})
    return SubmitRequest(
        person=PersonDetails.model_validate(details),
        employment_situation=EmploymentSituation.EMPLOYED,
        csp=Csp.EMPLOYE,
        region=region,
        site=fields.pop("site", "rennes" if region == REGION else "caen"),
        consent_version="2026-01",
        **fields,
    )


async def store_with_case(*counsellors: Counsellor) -> tuple[FakeStore, Case]:
    store = FakeStore()
    for c in counsellors:
        store.counsellors[c.counsellor_id] = c
    outcome = await submit_request(
        request_body("camille@example.org"),
        principal=beneficiary(),
        uow=store,
        clock=clock,
        meta=META,
    )
    assert outcome.case_id is not None
    return store, store.cases[outcome.case_id]


async def test_the_owner_hands_over_and_both_caseload_counts_follow() -> None:
    store, case = await store_with_case(
        Counsellor(counsellor_id="a", region=REGION, site="rennes", capacity=5),
        # Already half full: the new case goes to "a", the lighter load.
        Counsellor(counsellor_id="b", region=REGION, site="rennes", capacity=2, open_cases=1),
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
    assert {c.counsellor_id: c.open_cases for c in store.counsellors.values()} == {"a": 0, "b": 2}
    event = store.published[-1]
    assert isinstance(event, CaseReassigned)
    assert (event.from_counsellor_id, event.to_counsellor_id) == ("a", "b")
    assert [h.action for h in store.cases[case.case_id].history] == ["opened", "reassigned"]


async def test_hand_overs_stay_inside_the_region_and_with_the_case_staff() -> None:
    store, case = await store_with_case(
        Counsellor(counsellor_id="a", region=REGION, site="rennes", capacity=5),
        Counsellor(counsellor_id="b", region=REGION, site="rennes", capacity=5, open_cases=2),
        Counsellor(counsellor_id="z", region="normandie", site="caen", capacity=5),
    )
    assert case.counsellor_id == "a"
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
    # The same person also asked in another region: the request joins their own case.
    added = await submit_request(
        request_body("camille@example.org", region="normandie"),
        principal=beneficiary(person),
        uow=store,
        clock=clock,
        meta=META,
    )
    assert added.outcome is RequestOutcome.ADDED_TO_OWN_CASE
    assert {r.region for r in store.requests.values()} == {REGION, "normandie"}
    for region in (REGION, "normandie", "occitanie"):
        with pytest.raises(ForbiddenError):
            await erase_beneficiary(
                person,
                erased_by=Actor("manager", "m-1"),
                uow=store,
                clock=clock,
                meta=META,
                region=region,
            )
    assert person in store.beneficiaries
    erased = await erase_beneficiary(
        person, erased_by=Actor("beneficiary"), uow=store, clock=clock, meta=META
    )
    assert erased == 1
    assert store.beneficiaries == {}
    assert store.requests == {}
    assert all(c.beneficiary_id != person for c in store.cases.values())
    assert store.counsellors["a"].open_cases == 0
    event = store.published[-1]
    assert isinstance(event, BeneficiaryErased)
    assert event.case_ids == (case.case_id,)
    with pytest.raises(NotFoundError):
        await erase_beneficiary(
            person, erased_by=Actor("beneficiary"), uow=store, clock=clock, meta=META
        )


async def test_activity_events_in_any_order_give_the_same_caseload_line() -> None:
    store, case = await store_with_case(
        Counsellor(counsellor_id="a", region=REGION, site="rennes", capacity=5)
    )
    case_id = case.case_id
    kept, dropped, missed, document = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
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
        AppointmentBooked(
            case_id=case_id,
            correlation_id="t",
            producer="appointment",
            occurred_at=NOW,
            appointment_id=missed,
            beneficiary_id=case.beneficiary_id,
            counsellor_id="a",
            starts_at=NOW + timedelta(days=2),
            modality=Modality.VIDEO,
        ),
        AppointmentNoShow(
            case_id=case_id,
            correlation_id="t",
            producer="appointment",
            occurred_at=NOW + timedelta(days=2, hours=1),
            appointment_id=missed,
            modality=Modality.VIDEO,
            absent=AbsentParty.BENEFICIARY,
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


def profile(cid: str, region: str = REGION, site: str = "rennes", **kw: Any) -> RegisterCounsellor:
    return RegisterCounsellor(
        counsellor_id=cid, display_name=cid.upper(), region=region, site=site, capacity=5, **kw
    )


async def test_counsellors_change_region_only_empty_handed_and_by_their_own_manager() -> None:
    store, case = await store_with_case(
        Counsellor(counsellor_id="a", region=REGION, site="rennes", capacity=5)
    )
    moved = profile("a", region="normandie", site="caen")
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
    assert (updated.region, updated.open_cases, updated.display_name) == ("normandie", 0, "A")


async def test_counsellors_are_placed_only_on_open_sites_of_known_regions() -> None:
    store = FakeStore()
    refused = {
        "unknown_region": profile("x", region="atlantis"),
        "unknown_site": profile("x", site="nowhere"),
        "site_outside_region": profile("x", site="caen"),
    }
    for kind, command in refused.items():
        with pytest.raises(InvalidPlaceError) as caught:
            await register_counsellor(command, uow=store, meta=META)
        assert caught.value.problem.type == kind
    with pytest.raises(InvalidPlaceError) as closed:
        await register_counsellor(profile("x", site="quimper"), uow=store, meta=META)
    assert (closed.value.problem.field, closed.value.problem.type) == ("site", "unknown_site")
    assert store.counsellors == {}
    assert store.published == []
    await register_counsellor(profile("x", site="brest"), uow=store, meta=META)
    assert store.counsellors["x"].site == "brest"


async def test_regions_are_registered_and_announced_and_keep_their_sites() -> None:
    store = FakeStore()
    command = RegisterRegion(
        code="occitanie",
        label="Occitanie",
        sites=(Site(code="toulouse", label="Toulouse"), Site(code="albi", label="Albi")),
    )
    region = await register_region(command, uow=store, meta=META)
    assert store.regions["occitanie"] == region
    event = store.published[-1]
    assert isinstance(event, RegionRegistered)
    assert (event.key(), event.TOPIC) == ("occitanie", "intake.staff.v1")
    assert [(s.code, s.label, s.active) for s in event.sites] == [
        ("toulouse", "Toulouse", True),
        ("albi", "Albi", True),
    ]
    closing = RegisterRegion(
        code="occitanie",
        label="Occitanie",
        sites=(
            Site(code="toulouse", label="Toulouse"),
            Site(code="albi", label="Albi", active=False),
        ),
    )
    await register_region(closing, uow=store, meta=META)
    site = store.regions["occitanie"].site("albi")
    assert site is not None
    assert not site.active
    dropping = RegisterRegion(
        code="occitanie", label="Occitanie", sites=(Site(code="toulouse", label="Toulouse"),)
    )
    with pytest.raises(DomainError, match="cannot be removed"):
        await register_region(dropping, uow=store, meta=META)
    assert len(store.published) == 2

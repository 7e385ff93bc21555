"""Intake's pure rules: assignment, alerts on working days, and the case lifecycle."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from intake.domain.alerts import alerts_for, subtract_working_days
from intake.domain.assignment import choose_counsellor
from intake.domain.contact import normalise_email, normalise_phone
from intake.domain.model import Actor, Case, Counsellor, DomainError, HistoryEntry
from intake.domain.retention import CLOSED_CASE_RETENTION
from jalon_shared.events.vocabulary import (
    CaseAction,
    CaseAlert,
    CaseStatus,
    CloseReason,
    Csp,
    ServiceLevel,
)

MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
OWNER = Actor("counsellor", "c-1")
SUCCESSOR = Actor("counsellor", "c-2")
MANAGER = Actor("manager", "m-1")


def counsellor(cid: str, site: str, capacity: int, **kw: object) -> Counsellor:
    return Counsellor(counsellor_id=cid, region="bretagne", site=site, capacity=capacity, **kw)  # type: ignore[arg-type]


def new_case(opened_at: datetime = MONDAY) -> Case:
    return Case(
        case_id=uuid.uuid4(),
        request_id=uuid.uuid4(),
        beneficiary_id=uuid.uuid4(),
        counsellor_id="c-1",
        region="bretagne",
        site="rennes",
        csp=Csp.EMPLOYE,
        service_level=ServiceLevel.ACCUEIL_INDIVIDUALISE,
        opened_at=opened_at,
    )


def test_cases_spread_in_proportion_to_capacity_and_fill_the_site_first() -> None:
    staff = [
        counsellor("a", "rennes", 2),
        counsellor("b", "rennes", 4),
        counsellor("c", "brest", 3),
    ]
    given: Counter[str] = Counter()
    for _ in range(6):
        chosen = choose_counsellor(staff, region="bretagne", site="rennes")
        assert chosen is not None
        chosen.open_cases += 1
        given[chosen.counsellor_id] += 1
    assert given == {"a": 2, "b": 4}
    overflow = choose_counsellor(staff, region="bretagne", site="rennes")
    assert overflow is not None
    assert overflow.counsellor_id == "c"  # the site is full: another site of the region


def test_languages_and_skills_break_ties_and_full_regions_leave_cases_waiting() -> None:
    staff = [
        counsellor("a", "rennes", 5, skills=("vae",)),
        counsellor("b", "rennes", 5, languages=("br",)),
    ]
    chosen = choose_counsellor(staff, region="bretagne", site="rennes", wanted_languages=["br"])
    assert chosen is not None
    assert chosen.counsellor_id == "b"
    chosen = choose_counsellor(staff, region="bretagne", site="rennes", wanted_skills=["vae"])
    assert chosen is not None
    assert chosen.counsellor_id == "a"
    full = [counsellor("a", "rennes", 0), counsellor("x", "rennes", 9, active=False)]
    assert choose_counsellor(full, region="bretagne", site="rennes") is None
    assert choose_counsellor(staff, region="normandie", site="caen") is None


def test_working_days_skip_weekends() -> None:
    assert subtract_working_days(MONDAY, 1) == MONDAY - timedelta(days=3)  # previous Friday
    assert subtract_working_days(MONDAY, 5) == MONDAY - timedelta(days=7)
    assert subtract_working_days(MONDAY + timedelta(days=2), 2) == MONDAY


def test_alerts_for_uncontacted_and_silent_cases() -> None:
    case = new_case(opened_at=MONDAY)
    friday_after_next = MONDAY + timedelta(days=11)
    # Within the delay a new case is still a first contact to make, not yet a late one.
    assert alerts_for(
        case, MONDAY + timedelta(days=4), no_contact_days=30, first_contact_days=5
    ) == [CaseAlert.AWAITING_FIRST_CONTACT]
    assert alerts_for(case, friday_after_next, no_contact_days=30, first_contact_days=5) == [
        CaseAlert.NOT_CONTACTED
    ]
    case.record_contact(MONDAY + timedelta(days=1))
    assert case.status is CaseStatus.IN_PROGRESS
    assert alerts_for(case, friday_after_next, no_contact_days=30, first_contact_days=5) == []
    later = MONDAY + timedelta(days=40)
    assert alerts_for(case, later, no_contact_days=30, first_contact_days=5) == [
        CaseAlert.NO_CONTACT
    ]
    case.close(CloseReason.PATH_COMPLETED, OWNER, later)
    assert alerts_for(case, later, no_contact_days=30, first_contact_days=5) == []


def test_case_lifecycle_rules_and_history() -> None:
    case = new_case()
    assert case.reassign("c-2", MANAGER, MONDAY) == "c-1"
    with pytest.raises(DomainError, match="already assigned"):
        case.reassign("c-2", MANAGER, MONDAY)
    assert case.change_level(ServiceLevel.ACCOMPAGNEMENT_PERSONNALISE, SUCCESSOR, MONDAY) is (
        ServiceLevel.ACCUEIL_INDIVIDUALISE
    )
    with pytest.raises(DomainError, match="already has"):
        case.change_level(ServiceLevel.ACCOMPAGNEMENT_PERSONNALISE, SUCCESSOR, MONDAY)
    closed_at = MONDAY + timedelta(days=45)
    assert case.close(CloseReason.PATH_COMPLETED, SUCCESSOR, closed_at) == 45
    assert case.purge_at == closed_at + CLOSED_CASE_RETENTION
    with pytest.raises(DomainError, match="closed"):
        case.reassign("c-3", MANAGER, closed_at)
    assert [h.action for h in case.history] == ["reassigned", "level_changed", "closed"]
    # History names who acted by role, and staff by their id for their display name.
    assert [(h.by, h.by_id) for h in case.history] == [
        ("manager", "m-1"),
        ("counsellor", "c-2"),
        ("counsellor", "c-2"),
    ]
    assert case.staff_ids() == {"c-2", "m-1"}


def test_next_appointment_and_pending_signature_follow_activity() -> None:
    case = new_case()
    case.appointment_booked("a1", MONDAY + timedelta(days=7), as_of=MONDAY)
    case.appointment_booked("a2", MONDAY + timedelta(days=2), as_of=MONDAY)
    assert case.next_appointment_at == MONDAY + timedelta(days=2)
    case.appointment_ended("a2", held_at=MONDAY + timedelta(days=2))
    assert case.next_appointment_at == MONDAY + timedelta(days=7)
    assert case.last_contact_at == MONDAY + timedelta(days=2)
    case.appointment_ended("a1", held_at=None)
    assert case.next_appointment_at is None
    case.signature_requested("d1")
    case.signature_requested("d1")
    assert case.pending_documents == ["d1"]
    assert case.pending_signature
    case.signature_settled("d1")
    assert not case.pending_signature


def test_late_or_replayed_activity_does_not_undo_newer_news() -> None:
    case = new_case()
    # The cancellation overtook the booking: the booking must not bring the slot back.
    case.appointment_ended("gone", held_at=None)
    case.appointment_booked("gone", MONDAY + timedelta(days=1), as_of=MONDAY)
    assert case.next_appointment_at is None
    # The move overtook the booking: the older time must not win.
    case.appointment_booked("moved", MONDAY + timedelta(days=9), as_of=MONDAY + timedelta(hours=2))
    case.appointment_booked("moved", MONDAY + timedelta(days=3), as_of=MONDAY + timedelta(hours=1))
    assert case.next_appointment_at == MONDAY + timedelta(days=9)
    # An older contact does not roll the last contact back.
    case.record_contact(MONDAY + timedelta(days=4))
    case.appointment_ended("early", held_at=MONDAY + timedelta(days=1))
    assert case.last_contact_at == MONDAY + timedelta(days=4)
    # The signature overtook the submission: nothing is left pending.
    case.signature_settled("doc")
    case.signature_requested("doc")
    assert not case.pending_signature


def test_forgetting_the_beneficiary_keeps_an_anonymous_stub_under_new_ids() -> None:
    case = new_case()
    person, former_id = case.beneficiary_id, case.case_id
    case.history.append(
        HistoryEntry.of(CaseAction.OPENED, Actor("beneficiary"), MONDAY, counsellor_id="c-1")
    )
    case.history.append(HistoryEntry.of(CaseAction.DUPLICATE_FLAGGED, MANAGER, MONDAY))
    case.appointment_booked("a1", MONDAY + timedelta(days=1), as_of=MONDAY)
    case.signature_requested("d1")
    stub_case, stub_person = uuid.uuid4(), uuid.uuid4()
    case.forget_beneficiary(stub_case_id=stub_case, stub_beneficiary_id=stub_person)
    assert (case.case_id, case.beneficiary_id, case.request_id) == (stub_case, stub_person, None)
    dumped = case.model_dump_json()
    assert str(person) not in dumped
    assert str(former_id) not in dumped
    assert case.next_appointment_at is None
    assert not case.pending_signature
    assert [(h.action, h.by, h.by_id) for h in case.history] == [
        ("opened", "beneficiary", None),
        ("duplicate_flagged", "manager", "m-1"),
    ]


def test_history_written_before_staff_ids_were_apart_names_roles_only() -> None:
    legacy = [
        {"at": MONDAY, "action": "opened", "by": f"beneficiary:{uuid.uuid4()}"},
        {"at": MONDAY, "action": "reassigned", "by": "manager:m-1", "counsellor_id": "c-2"},
        {"at": MONDAY, "action": "closed", "by": "service"},
    ]
    entries = [HistoryEntry.model_validate(entry) for entry in legacy]
    assert [(e.by, e.by_id) for e in entries] == [
        ("beneficiary", None),
        ("manager", "m-1"),
        ("service", None),
    ]


def test_contact_details_are_normalised_for_duplicate_detection() -> None:
    assert normalise_email("  Lea.Petit@Example.ORG ") == "lea.petit@example.org"
    assert normalise_phone("06 12 34 56 78") == "+33612345678"
    assert normalise_phone("0033 6 12 34 56 78") == "+33612345678"
    assert normalise_phone(None) is None

"""An appointment's life under the policy, and the grid cells that make double booking fail."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from appointment.domain.availability import AppointmentKind, Rules
from appointment.domain.booking import (
    Appointment,
    BookingError,
    Party,
    Policy,
    Status,
    cells,
)
from jalon_shared.events.vocabulary import AbsentParty, ConsentAnswer, Modality

START = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
POLICY = Policy(self_service_window=timedelta(hours=24))
RULES = Rules(buffer_before=timedelta(0), buffer_after=timedelta(minutes=15))


def appointment(**changes: object) -> Appointment:
    """Return a booked face-to-face first meeting at 09:00 UTC on 10 June 2026."""
    fields: dict[str, object] = {
        "appointment_id": uuid.uuid4(),
        "case_id": uuid.uuid4(),
        "beneficiary_id": uuid.uuid4(),
        "counsellor_id": "c-1",
        "kind": AppointmentKind.FIRST_MEETING,
        "modality": Modality.FACE_TO_FACE,
        "place": "rennes",
        "starts_at": START,
        "ends_at": START + timedelta(hours=1),
    }
    fields.update(changes)
    return Appointment(**fields)  # type: ignore[arg-type]


def reason(error: pytest.ExceptionInfo[BookingError]) -> str:
    """Return the reason code of a refused change."""
    return error.value.reason


def test_a_beneficiary_cannot_cancel_or_move_inside_the_window_but_staff_can() -> None:
    booked = appointment()
    late = START - timedelta(hours=3)
    with pytest.raises(BookingError) as refused:
        booked.cancelled(by=Party.BENEFICIARY, now=late, policy=POLICY)
    assert reason(refused) == "inside_policy_window"
    with pytest.raises(BookingError) as refused:
        booked.moved(
            START + timedelta(days=1),
            START + timedelta(days=1, hours=1),
            by=Party.BENEFICIARY,
            now=late,
            policy=POLICY,
        )
    assert reason(refused) == "inside_policy_window"
    cancelled = booked.cancelled(by=Party.COUNSELLOR, now=late, policy=POLICY)
    assert (cancelled.status, cancelled.sequence) == (Status.CANCELLED, 1)
    early = START - timedelta(days=3)
    moved = booked.moved(
        START + timedelta(days=1),
        START + timedelta(days=1, hours=1),
        by=Party.BENEFICIARY,
        now=early,
        policy=POLICY,
    )
    assert (moved.starts_at, moved.sequence) == (START + timedelta(days=1), 1)


def test_only_a_booked_appointment_changes_and_it_is_settled_after_it_starts() -> None:
    booked = appointment()
    with pytest.raises(BookingError) as refused:
        booked.settled(Status.HELD, now=START - timedelta(minutes=5))
    assert reason(refused) == "not_started"
    held = booked.settled(Status.HELD, now=START + timedelta(minutes=70))
    with pytest.raises(BookingError) as refused:
        held.cancelled(by=Party.COUNSELLOR, now=START, policy=POLICY)
    assert reason(refused) == "not_booked"
    with pytest.raises(BookingError) as refused:
        booked.settled(Status.CANCELLED, now=START + timedelta(hours=2))
    assert reason(refused) == "not_an_outcome"


def test_a_requalification_waits_for_consent_and_applies_only_when_accepted() -> None:
    booked = appointment()
    asked_at = START - timedelta(days=2)
    proposed = booked.requalification_requested(Modality.VIDEO, by=Party.MANAGER, now=asked_at)
    assert (proposed.modality, proposed.sequence) == (Modality.FACE_TO_FACE, 0)
    with pytest.raises(BookingError) as refused:
        proposed.requalification_requested(Modality.VIDEO, by=Party.MANAGER, now=asked_at)
    assert reason(refused) == "already_requested"
    answered_at = asked_at + timedelta(hours=1)
    accepted, record = proposed.consent_given(
        ConsentAnswer.ACCEPTED, now=answered_at, modality=Modality.PHONE
    )
    assert (accepted.modality, accepted.place, accepted.sequence) == (Modality.PHONE, "remote", 1)
    assert (record.previous_modality, record.proposed_modality) == (
        Modality.FACE_TO_FACE,
        Modality.PHONE,
    )
    assert record.applied
    assert record.answered_at == answered_at
    assert accepted.pending_change is None
    assert accepted.consents == (record,)
    with pytest.raises(BookingError) as refused:
        accepted.consent_given(ConsentAnswer.ACCEPTED, now=answered_at)
    assert reason(refused) == "no_pending_change"
    kept, record = proposed.consent_given(ConsentAnswer.REFUSED_KEPT, now=answered_at)
    assert (kept.modality, kept.status, kept.sequence) == (Modality.FACE_TO_FACE, Status.BOOKED, 0)
    assert not record.applied
    dropped, _ = proposed.consent_given(ConsentAnswer.REFUSED_CANCELLED, now=answered_at)
    assert (dropped.status, dropped.reason) == (Status.CANCELLED, "requalification_refused")


def test_a_requalification_goes_to_phone_or_video_only_and_only_ahead() -> None:
    booked = appointment()
    before = START - timedelta(days=1)
    for modality, code in (
        (Modality.ASYNCHRONOUS, "not_remote"),
        (Modality.FACE_TO_FACE, "not_remote"),
    ):
        with pytest.raises(BookingError) as refused:
            booked.requalification_requested(modality, by=Party.COUNSELLOR, now=before)
        assert reason(refused) == code
    with pytest.raises(BookingError) as refused:
        booked.requalification_requested(Modality.VIDEO, by=Party.BENEFICIARY, now=before)
    assert reason(refused) == "staff_only"
    with pytest.raises(BookingError) as refused:
        booked.requalification_requested(Modality.VIDEO, by=Party.COUNSELLOR, now=START)
    assert reason(refused) == "in_the_past"


def test_a_no_show_names_who_was_absent() -> None:
    after = START + timedelta(hours=2)
    with pytest.raises(BookingError) as refused:
        appointment().settled(Status.NO_SHOW, now=after)
    assert reason(refused) == "absent_required"
    missed = appointment().settled(Status.NO_SHOW, now=after, absent=AbsentParty.COUNSELLOR)
    assert (missed.status, missed.absent) == (Status.NO_SHOW, AbsentParty.COUNSELLOR)


def test_an_end_before_the_start_is_refused() -> None:
    with pytest.raises(BookingError) as refused:
        appointment(ends_at=START - timedelta(minutes=1))
    assert reason(refused) == "ends_before_start"


def overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    """Return whether two appointments, widened by the rules' buffers, meet."""
    widen = RULES.buffer_before, RULES.buffer_after
    return a[0] - widen[0] < b[1] + widen[1] and b[0] - widen[0] < a[1] + widen[1]


def test_two_appointments_share_a_cell_exactly_when_they_would_meet() -> None:
    # Every pair of on-grid appointments of 45 or 60 minutes within one morning.
    starts = [START + timedelta(minutes=15 * i) for i in range(16)]
    spans = [
        (s, s + length) for s in starts for length in (timedelta(minutes=45), timedelta(hours=1))
    ]
    for a in spans:
        for b in spans:
            shared = set(cells(*a, RULES)) & set(cells(*b, RULES))
            assert bool(shared) == overlap(a, b), (a, b)
    # A 60-minute meeting with a 15-minute buffer after holds five quarter hours.
    assert cells(START, START + timedelta(hours=1), RULES) == [
        START + timedelta(minutes=15 * i) for i in range(5)
    ]

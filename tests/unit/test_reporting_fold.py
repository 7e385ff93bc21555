"""Reporting's fold, indicators and suppression, on events held in memory."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import TypedDict
from uuid import uuid4

import pytest

from jalon_dev.history import generate
from jalon_shared.events.appointment import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentHeld,
    AppointmentNoShow,
    AppointmentRescheduled,
)
from jalon_shared.events.envelope import Event
from jalon_shared.events.intake import (
    BeneficiaryErased,
    CaseOpened,
    RequestSubmitted,
    ServiceLevelChanged,
)
from jalon_shared.events.session import SessionEnded, SessionMessagePosted
from jalon_shared.events.vocabulary import (
    AbsentParty,
    Csp,
    EmploymentSituation,
    Modality,
    RoomKind,
    ServiceLevel,
)
from jalon_shared.periods import PeriodKind
from reporting.domain.dashboard import Dashboard, Filters
from reporting.domain.indicators import dashboard, nearest_rank
from reporting.domain.memory import MemoryReadModel, nonzero_leaves
from reporting.domain.periods import PeriodError, period, trailing
from reporting.domain.suppression import protect


class _Meta(TypedDict):
    correlation_id: str
    producer: str


META: _Meta = {"correlation_id": "t", "producer": "test"}
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def board(model: MemoryReadModel, key: str = "2026-11", **filters: str) -> Dashboard:
    periods = trailing(period(PeriodKind.MONTH, key), 12)
    docs = model.documents("bretagne", "m", [p.key for p in periods])
    documents = {p.key: [docs[p.key]] if p.key in docs else [] for p in periods}
    return dashboard("bretagne", periods, documents, Filters(**filters), {"rennes": "Rennes"})


def figure(d: Dashboard, code: str) -> float | None:
    return next(i for i in d.indicators if i.code == code).current.value


def open_case(site: str = "rennes", at: datetime = MONDAY) -> list[Event]:
    request, case, person = uuid4(), uuid4(), uuid4()
    return [
        RequestSubmitted(
            **META,
            occurred_at=at,
            request_id=request,
            beneficiary_id=person,
            region="bretagne",
            site=site,
            csp=Csp.CADRE,
            employment_situation=EmploymentSituation.EMPLOYED,
            service_level=ServiceLevel.ACCUEIL_INDIVIDUALISE,
        ),
        CaseOpened(
            **META,
            occurred_at=at,
            case_id=case,
            request_id=request,
            beneficiary_id=person,
            region="bretagne",
            site=site,
            csp=Csp.CADRE,
            service_level=ServiceLevel.ACCUEIL_INDIVIDUALISE,
        ),
    ]


def test_appointments_count_at_their_start_and_follow_moves_and_outcomes() -> None:
    model = MemoryReadModel()
    cases = [open_case() for _ in range(6)]
    model.apply([e for c in cases for e in c])
    events: list[Event] = []
    for n, (_, opened) in enumerate(cases):
        assert isinstance(opened, CaseOpened)
        appointment = uuid4()
        starts = MONDAY + timedelta(days=3 + n)
        events.append(
            AppointmentBooked(
                **META,
                appointment_id=appointment,
                case_id=opened.case_id,
                beneficiary_id=opened.beneficiary_id,
                counsellor_id="c1",
                starts_at=starts,
                modality=Modality.VIDEO,
            )
        )
        if n == 0:
            # Moved into December: it leaves November's figures.
            events.append(
                AppointmentRescheduled(
                    **META,
                    appointment_id=appointment,
                    case_id=opened.case_id,
                    starts_at=datetime(2026, 12, 3, 9, tzinfo=UTC),
                    rescheduled_from=starts,
                )
            )
        elif n == 1:
            events.append(
                AppointmentCancelled(**META, appointment_id=appointment, case_id=opened.case_id)
            )
        elif n == 2:
            events.append(
                AppointmentNoShow(
                    **META,
                    appointment_id=appointment,
                    case_id=opened.case_id,
                    modality=Modality.VIDEO,
                    absent=AbsentParty.BENEFICIARY,
                )
            )
        else:
            events.append(
                AppointmentHeld(
                    **META,
                    appointment_id=appointment,
                    case_id=opened.case_id,
                    modality=Modality.PHONE,
                    starts_at=starts,
                    case_opened_at=opened.occurred_at,
                    first_held=True,
                )
            )
    model.apply(events)
    november = model.documents("bretagne", "m", ["2026-11"])["2026-11"]
    totals: dict[str, int] = {}
    for cell in november.values():
        for metric, value in cell.get("n", {}).items():
            totals[metric] = totals.get(metric, 0) + value
    assert totals["appointments_planned"] == 4  # six booked, one moved out, one cancelled
    assert totals["appointments_cancelled"] == 1
    assert totals["appointments_no_show"] == 1
    assert totals["appointments_held"] == 3
    held_cells = [k for k, c in november.items() if c.get("n", {}).get("appointments_held")]
    # Held by phone although booked by video: the modality actually used counts.
    assert all(k.split("~")[2] == "phone" for k in held_cells)
    assert model.documents("bretagne", "m", ["2026-12"])["2026-12"]


def test_facts_read_before_their_case_are_parked_then_counted() -> None:
    model = MemoryReadModel()
    request, opened = open_case()
    assert isinstance(opened, CaseOpened)
    messages = [
        SessionMessagePosted(
            **META,
            occurred_at=MONDAY + timedelta(hours=n),
            message_id=uuid4(),
            case_id=opened.case_id,
            beneficiary_id=opened.beneficiary_id,
            author_role="beneficiary",
        )
        for n in range(6)
    ]
    model.apply(messages)
    assert figure(board(model), "messages") == 0
    model.apply([request, opened])
    assert figure(board(model), "messages") == 6


def test_a_level_change_attributes_later_facts_to_the_new_level() -> None:
    model = MemoryReadModel()
    cases = [open_case() for _ in range(5)]
    model.apply([e for c in cases for e in c])
    later = MONDAY + timedelta(days=2)
    events: list[Event] = []
    for _, opened in cases:
        assert isinstance(opened, CaseOpened)
        events.append(
            ServiceLevelChanged(
                **META,
                occurred_at=MONDAY + timedelta(days=1),
                case_id=opened.case_id,
                beneficiary_id=opened.beneficiary_id,
                previous_level=ServiceLevel.ACCUEIL_INDIVIDUALISE,
                service_level=ServiceLevel.ACCOMPAGNEMENT_PERSONNALISE,
                region="bretagne",
                site="rennes",
            )
        )
        events.append(
            SessionEnded(
                **META,
                room_id=uuid4(),
                kind=RoomKind.ONE_TO_ONE,
                case_id=opened.case_id,
                started_at=later,
                ended_at=later + timedelta(minutes=40),
                duration_seconds=40 * 60 + 30,
                modality=Modality.VIDEO,
                audio_only=False,
                participants=2,
            )
        )
    model.apply(events)
    level2 = board(model, level="accompagnement_personnalise")
    assert figure(level2, "sessions") == 5
    assert figure(level2, "session_median_minutes") == 40
    assert figure(level2, "session_mean_minutes") == 40.5
    assert figure(board(model, level="accueil_individualise"), "sessions") == 0


def test_erasure_drops_the_links_and_keeps_the_counts() -> None:
    model = MemoryReadModel()
    cases = [open_case() for _ in range(5)]
    model.apply([e for c in cases for e in c])
    before = board(model)
    ids = [c[1].case_id for c in cases if isinstance(c[1], CaseOpened)]
    model.apply([BeneficiaryErased(**META, beneficiary_id=uuid4(), case_ids=tuple(ids))])
    assert not model.state.cases
    assert board(model).indicators == before.indicators


def test_the_same_history_in_any_topic_order_gives_the_same_counters() -> None:
    history = generate(
        regions={"bretagne": ["rennes", "brest"]},
        start=datetime(2026, 6, 1, tzinfo=UTC),
        days=60,
        cases_per_day=4,
        until=datetime(2026, 11, 20, tzinfo=UTC),
    )
    live = MemoryReadModel()
    live.apply_all(history.ordered(), batch=50)
    rebuilt = MemoryReadModel()
    rebuilt.apply_all(history.producer_first(), batch=500)
    # Producers read in reverse: every fact of a case comes before its opening.
    backwards = MemoryReadModel()
    rng = random.Random(3)
    for name in reversed(list(history.by_producer)):
        events = list(history.by_producer[name])
        chunks = [events[i : i + 97] for i in range(0, len(events), 97)]
        rng.shuffle(chunks)  # whole chunks, so each entity's own events stay in order
        for chunk in chunks:
            backwards.apply(sorted(chunk, key=lambda e: e.occurred_at))
    expected = nonzero_leaves(live.counters.values())
    assert nonzero_leaves(rebuilt.counters.values()) == expected
    assert nonzero_leaves(backwards.counters.values()) == expected
    assert history.count() > 1000


def test_replayed_events_count_once() -> None:
    model = MemoryReadModel()
    events = open_case()
    model.apply(events)
    model.apply(events)
    assert figure(board(model), "requests") is None  # one request: a small cell
    assert next(i for i in board(model).indicators if i.code == "requests").current.suppressed


def test_complementary_suppression_hides_a_second_cell() -> None:
    assert protect(20, [3, 9, 8]) == (False, [True, False, True])
    assert protect(20, [2, 2, 16]) == (False, [True, True, False])
    assert protect(20, [0, 20]) == (False, [False, False])
    assert protect(3, [1, 2]) == (True, [True, True])
    assert protect(12, [4, 0, 8]) == (False, [True, False, True])


def test_breakdowns_never_let_a_hidden_cell_be_recovered_from_its_total() -> None:
    history = generate(
        regions={"bretagne": ["rennes", "brest", "vannes"]},
        start=datetime(2026, 9, 1, tzinfo=UTC),
        days=75,
        cases_per_day=3,
        until=datetime(2026, 11, 30, tzinfo=UTC),
    )
    model = MemoryReadModel()
    model.apply_all(history.ordered())
    for filters in ({}, {"site": "rennes"}, {"modality": "video"}, {"csp": "cadre"}):
        d = board(model, **filters)
        for breakdown in d.breakdowns:
            for column in range(len(breakdown.columns)):
                hidden = [r.cells[column].suppressed for r in breakdown.rows]
                if not breakdown.total.cells[column].suppressed:
                    assert sum(hidden) != 1, (breakdown.code, column)
                for row in breakdown.rows:
                    cell = row.cells[column]
                    assert cell.suppressed or cell.value is None or not 0 < cell.value < 5


def test_percentiles_use_the_nearest_rank() -> None:
    assert nearest_rank({1: 1, 2: 1, 3: 1, 10: 1}, 0.5) == 2
    assert nearest_rank({1: 9, 30: 1}, 0.9) == 1
    assert nearest_rank({1: 9, 30: 2}, 0.9) == 30
    assert nearest_rank({}, 0.5) is None


def test_periods_have_local_dates_and_french_labels() -> None:
    week = period(PeriodKind.WEEK, "2026-W47")
    assert (week.start, week.end) == (date(2026, 11, 16), date(2026, 11, 22))
    assert week.label == "semaine du 16 nov. 2026"
    quarter = period(PeriodKind.QUARTER, "2026-Q4")
    assert quarter.label == "4e trimestre 2026"
    assert [p.key for p in trailing(period(PeriodKind.MONTH, "2026-02"), 3)] == [
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    with pytest.raises(PeriodError):
        period(PeriodKind.MONTH, "2026-W47")
    with pytest.raises(PeriodError):
        period(PeriodKind.WEEK, "2026-W60")
    for key in ("0000-01", "9999-12", "0001-01"):
        with pytest.raises(PeriodError):
            period(PeriodKind.MONTH, key)


def test_a_quarter_document_holds_exactly_its_three_months() -> None:
    history = generate(
        regions={"bretagne": ["rennes", "brest"]},
        start=datetime(2026, 6, 1, tzinfo=UTC),
        days=120,
        cases_per_day=3,
        until=datetime(2026, 11, 20, tzinfo=UTC),
    )
    model = MemoryReadModel()
    model.apply_all(history.ordered())
    quarter = model.documents("bretagne", "q", ["2026-Q3"])["2026-Q3"]
    months = model.documents("bretagne", "m", ["2026-07", "2026-08", "2026-09"])
    summed: dict[tuple[str, ...], int] = {}
    for cells in months.values():
        for path, value in nonzero_leaves([{"_id": "x", "cells": cells}]).items():
            summed[path] = summed.get(path, 0) + value
    assert nonzero_leaves([{"_id": "x", "cells": quarter}]) == summed
    assert summed

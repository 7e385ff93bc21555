"""Logged calls on a case: a reached call is a contact, the others an attempt in the history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from intake.application.ports import IntakeTransaction
from intake.application.record_call import record_call
from intake.domain.model import Case
from jalon_shared.events.envelope import Event
from jalon_shared.events.session import SessionCallLogged, SessionMessagePosted
from jalon_shared.events.vocabulary import (
    CallOutcome,
    CaseAction,
    CaseStatus,
    Csp,
    ServiceLevel,
)
from tests.unit.fakes_intake import FakeStore

OPENED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CALLED = datetime(2026, 11, 16, 10, 0, 0, 123456, tzinfo=UTC)


def store_with_case() -> tuple[FakeStore, Case]:
    store = FakeStore()
    case = Case(
        case_id=uuid.uuid4(),
        request_id=uuid.uuid4(),
        beneficiary_id=uuid.uuid4(),
        counsellor_id="c-1",
        region="bretagne",
        site="rennes",
        csp=Csp.EMPLOYE,
        service_level=ServiceLevel.ACCUEIL_INDIVIDUALISE,
        opened_at=OPENED,
    )
    store.cases[case.case_id] = case
    return store, case


def call(case: Case, outcome: CallOutcome, **changes: Any) -> SessionCallLogged:
    fields: dict[str, Any] = {
        "correlation_id": "t",
        "producer": "remote_session",
        "call_id": uuid.uuid4(),
        "case_id": case.case_id,
        "beneficiary_id": case.beneficiary_id,
        "counsellor_id": "c-1",
        "started_at": CALLED - timedelta(minutes=1),
        "ended_at": CALLED,
        "duration_seconds": 60.0,
        "outcome": outcome,
    }
    return SessionCallLogged(**(fields | changes))


async def apply(store: FakeStore, event: Event) -> bool:
    async def work(tx: IntakeTransaction) -> bool:
        return await record_call(event, tx)

    return await store.run(work)


async def test_a_reached_call_is_a_contact_and_starts_the_path() -> None:
    store, case = store_with_case()

    assert await apply(store, call(case, CallOutcome.REACHED))

    tracked = store.cases[case.case_id]
    assert tracked.last_contact_at == CALLED
    assert tracked.last_activity_at == CALLED
    assert tracked.status is CaseStatus.IN_PROGRESS
    assert tracked.history == []
    # Redelivered, or an older call logged late: the last contact stays the latest.
    assert not await apply(store, call(case, CallOutcome.REACHED))
    older = call(case, CallOutcome.REACHED, ended_at=CALLED - timedelta(days=2))
    assert not await apply(store, older)
    assert store.cases[case.case_id].last_contact_at == CALLED


@pytest.mark.parametrize("outcome", [CallOutcome.NO_ANSWER, CallOutcome.VOICEMAIL])
async def test_an_unanswered_call_is_an_attempt_in_the_history_not_a_contact(
    outcome: CallOutcome,
) -> None:
    store, case = store_with_case()
    event = call(case, outcome)

    assert await apply(store, event)

    tracked = store.cases[case.case_id]
    assert tracked.last_contact_at is None
    assert tracked.status is CaseStatus.OPENED
    (entry,) = tracked.history
    assert entry.action == CaseAction.CALL_ATTEMPTED
    assert entry.detail == outcome.value
    assert (entry.by, entry.by_id, entry.at) == ("counsellor", "c-1", CALLED)
    # The same call again (a replay past the consumer's markers) is not logged twice, even as
    # MongoDB gives it back at millisecond precision.
    assert not await apply(store, event)
    stored = entry.model_copy(update={"at": CALLED.replace(microsecond=123000)})
    store.cases[case.case_id].history[0] = stored
    assert not await apply(store, call(case, outcome))
    assert len(store.cases[case.case_id].history) == 1
    # Another attempt later is another line.
    assert await apply(store, call(case, outcome, ended_at=CALLED + timedelta(hours=3)))
    assert len(store.cases[case.case_id].history) == 2


async def test_calls_about_unknown_or_other_peoples_cases_change_nothing() -> None:
    store, case = store_with_case()
    unknown = call(case, CallOutcome.REACHED, case_id=uuid.uuid4())
    someone_else = call(case, CallOutcome.REACHED, beneficiary_id=uuid.uuid4())
    message = SessionMessagePosted(
        correlation_id="t",
        producer="remote_session",
        message_id=uuid.uuid4(),
        case_id=case.case_id,
        beneficiary_id=case.beneficiary_id,
        author_role="counsellor",
    )

    for event in (unknown, someone_else, message):
        assert not await apply(store, event)

    assert store.cases[case.case_id].last_contact_at is None
    assert store.cases[case.case_id].history == []

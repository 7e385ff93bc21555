"""Satisfaction surveys in intake: offered once per level, answered once, published anonymously."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from intake.application.answer_survey import answer_survey
from intake.application.change_service_level import change_service_level
from intake.application.close_case import close_case
from intake.application.erase_beneficiary import erase_beneficiary
from intake.application.errors import NotFoundError
from intake.application.export_beneficiary_data import export_beneficiary_data
from intake.application.follow_up_ports import Claimed, MailError
from intake.application.get_own_survey import get_own_survey
from intake.application.list_own_surveys import list_own_surveys
from intake.application.send_follow_up import (
    FollowUpSending,
    Outcome,
    backoff,
    send_next_follow_up,
)
from intake.application.submit_request import submit_request
from intake.domain.model import Actor, Case, Counsellor
from intake.domain.surveys import (
    ANSWER_WINDOW,
    AlreadyAnsweredError,
    Survey,
    SurveyAnswer,
    SurveyAnswerError,
    SurveyClosedError,
    SurveyStatus,
    day_of,
)
from jalon_shared.access import Role
from jalon_shared.events.envelope import Event
from jalon_shared.events.intake import (
    CaseClosed,
    CaseOpened,
    ServiceLevelChanged,
    SurveyAnswered,
    SurveyOffered,
)
from jalon_shared.events.vocabulary import (
    CloseReason,
    FollowUpSituation,
    ServiceLevel,
    SurveyKind,
)
from tests.unit.fakes_intake import FakeQueries, FakeStore
from tests.unit.test_intake_use_cases import META, NOW, REGION, beneficiary, request_body, staff

COUNSELLOR = staff("a", Role.COUNSELLOR)
INDIVIDUALISE = ServiceLevel.ACCUEIL_INDIVIDUALISE
PERSONNALISE = ServiceLevel.ACCOMPAGNEMENT_PERSONNALISE
FOLLOW_UP_AFTER = timedelta(days=182)


class Clock:
    """A clock tests move forward."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def opened_case(store: FakeStore | None = None) -> tuple[FakeStore, Case]:
    store = store or FakeStore()
    store.counsellors.setdefault(
        "a", Counsellor(counsellor_id="a", region=REGION, site="rennes", capacity=5)
    )
    outcome = await submit_request(
        request_body("camille@example.org"),
        principal=beneficiary(),
        uow=store,
        clock=Clock(),
        meta=META,
    )
    assert outcome.case_id is not None
    return store, store.cases[outcome.case_id]


async def close(store: FakeStore, case: Case, clock: Clock | None = None) -> Case:
    return await close_case(
        case.case_id,
        CloseReason.PATH_COMPLETED,
        principal=COUNSELLOR,
        uow=store,
        clock=clock or Clock(),
        meta=META,
        follow_up_after=FOLLOW_UP_AFTER,
    )


async def requalify(store: FakeStore, case: Case, level: ServiceLevel) -> Case:
    return await change_service_level(
        case.case_id, level, principal=COUNSELLOR, uow=store, clock=Clock(), meta=META
    )


def offered(store: FakeStore) -> list[SurveyOffered]:
    return [e for e in store.published if isinstance(e, SurveyOffered)]


def names_nobody(event: Event, *ids: UUID) -> None:
    """Assert the event's payload holds none of the ids, nor the request's correlation id."""
    payload = event.model_dump_json()
    for known in ids:
        assert str(known) not in payload
    assert event.correlation_id != META.correlation_id
    assert event.causation_id is None


def only_survey(store: FakeStore, kind: SurveyKind) -> Survey:
    (survey,) = [s for s in store.surveys.values() if s.kind is kind]
    return survey


# Returning people --------------------------------------------------------------------------


async def test_a_case_opened_for_someone_who_had_one_says_they_are_returning() -> None:
    store, first = await opened_case()
    opening = [e for e in store.published if isinstance(e, CaseOpened)]
    assert [e.returning for e in opening] == [False]
    # A person with no record yet had no case: no lookup is spent on them.
    assert store.had_case_lookups == 0
    await close(store, first)
    again = await submit_request(
        request_body("camille@example.org"),
        principal=beneficiary(first.beneficiary_id),
        uow=store,
        clock=Clock(NOW + timedelta(days=30)),
        meta=META,
    )
    assert again.case_id is not None
    assert again.case_id != first.case_id
    opening = [e for e in store.published if isinstance(e, CaseOpened)]
    assert [e.returning for e in opening] == [False, True]
    assert store.had_case_lookups == 1


async def test_staff_opening_a_case_for_someone_new_says_first_time() -> None:
    store, _ = await opened_case()
    await submit_request(
        request_body("someone.else@example.org"),
        principal=staff("a", Role.COUNSELLOR),
        uow=store,
        clock=Clock(),
        meta=META,
    )
    opening = [e for e in store.published if isinstance(e, CaseOpened)]
    assert [e.returning for e in opening] == [False, False]


# Offering ---------------------------------------------------------------------------------


async def test_closing_offers_the_end_of_level_survey_and_schedules_the_follow_up() -> None:
    store, case = await opened_case()
    await close(store, case)
    end = only_survey(store, SurveyKind.END_OF_LEVEL)
    assert (end.status, end.service_level, end.case_id) == (
        SurveyStatus.PENDING,
        INDIVIDUALISE,
        case.case_id,
    )
    assert end.expires_at == NOW + ANSWER_WINDOW
    follow_up = only_survey(store, SurveyKind.FOLLOW_UP)
    assert follow_up.status is SurveyStatus.SCHEDULED
    assert follow_up.due_at == NOW + FOLLOW_UP_AFTER
    (event,) = offered(store)
    assert (event.kind, event.region, event.site, event.service_level) == (
        SurveyKind.END_OF_LEVEL,
        REGION,
        "rennes",
        INDIVIDUALISE,
    )
    # The offer names nobody: no person, case or survey id, a correlation of its own.
    names_nobody(event, case.beneficiary_id, case.case_id, end.survey_id, follow_up.survey_id)
    assert isinstance(store.published[-1], CaseClosed)
    # Only offered surveys are listed; the follow-up waits for its date.
    listed = await list_own_surveys(case.beneficiary_id, queries=FakeQueries(store), clock=Clock())
    assert [s.survey_id for s in listed] == [end.survey_id]


async def test_a_requalification_up_offers_the_ended_levels_survey_once() -> None:
    store, case = await opened_case()
    await requalify(store, case, PERSONNALISE)
    (survey,) = store.surveys.values()
    assert (survey.kind, survey.service_level) == (SurveyKind.END_OF_LEVEL, INDIVIDUALISE)
    assert isinstance(store.published[-1], ServiceLevelChanged)
    # Down and up again: the individualised level's survey was offered already.
    await requalify(store, case, INDIVIDUALISE)
    await requalify(store, case, PERSONNALISE)
    assert len(offered(store)) == 1
    assert store.cases[case.case_id].surveyed_levels == [INDIVIDUALISE]
    # Closing ends the personalised level: its own survey, and the follow-up.
    await close(store, case)
    levels = sorted((s.kind.value, s.service_level.value) for s in store.surveys.values())
    assert levels == [
        ("end_of_level", "accompagnement_personnalise"),
        ("end_of_level", "accueil_individualise"),
        ("follow_up", "accompagnement_personnalise"),
    ]
    assert len(offered(store)) == 2


async def test_closing_on_a_level_already_surveyed_offers_no_second_survey() -> None:
    store, case = await opened_case()
    await requalify(store, case, PERSONNALISE)
    await requalify(store, case, INDIVIDUALISE)
    await close(store, case)
    ends = [s for s in store.surveys.values() if s.kind is SurveyKind.END_OF_LEVEL]
    assert [s.service_level for s in ends] == [INDIVIDUALISE]
    assert len(offered(store)) == 1


async def test_a_refused_closing_offers_nothing() -> None:
    store, case = await opened_case()
    await close(store, case)
    before = (dict(store.surveys), len(store.published))
    with pytest.raises(Exception, match="already closed"):
        await close(store, case)
    assert (dict(store.surveys), len(store.published)) == before


# Answering --------------------------------------------------------------------------------


async def answer(
    store: FakeStore, survey: Survey, answer: SurveyAnswer, *, by: UUID | None = None, at: datetime
) -> Survey:
    return await answer_survey(
        survey.survey_id,
        answer,
        beneficiary_id=by or survey.beneficiary_id,
        uow=store,
        clock=Clock(at),
        producer="intake",
    )


async def test_an_answer_is_taken_once_and_leaves_anonymously() -> None:
    store, case = await opened_case()
    await close(store, case)
    survey = only_survey(store, SurveyKind.END_OF_LEVEL)
    at = NOW + timedelta(days=2, hours=5, minutes=7)
    done = await answer(store, survey, SurveyAnswer(satisfaction=4, would_recommend=True), at=at)
    assert done.status is SurveyStatus.ANSWERED
    # Intake keeps that it was answered and on which day, never what.
    stored = store.surveys[survey.survey_id]
    assert stored.answered_at == day_of(at) == datetime(2026, 11, 18, tzinfo=UTC)
    assert "satisfaction" not in stored.model_dump()
    event = store.published[-1]
    assert isinstance(event, SurveyAnswered)
    assert (event.satisfaction, event.would_recommend, event.situation) == (4, True, None)
    assert (event.kind, event.service_level, event.csp) == (
        SurveyKind.END_OF_LEVEL,
        INDIVIDUALISE,
        case.csp,
    )
    names_nobody(event, case.beneficiary_id, case.case_id, survey.survey_id)
    offer = offered(store)[0]
    assert event.response_id != offer.offer_id
    assert event.correlation_id != offer.correlation_id
    # Answered: no longer listed, and a second answer is refused.
    listed = await list_own_surveys(case.beneficiary_id, queries=FakeQueries(store), clock=Clock())
    assert listed == []
    published = len(store.published)
    with pytest.raises(AlreadyAnsweredError):
        await answer(store, survey, SurveyAnswer(satisfaction=1), at=at)
    assert len(store.published) == published
    seen = await get_own_survey(survey.survey_id, case.beneficiary_id, queries=FakeQueries(store))
    assert seen.status is SurveyStatus.ANSWERED


async def test_someone_elses_or_an_unoffered_survey_is_not_found() -> None:
    store, case = await opened_case()
    await close(store, case)
    survey = only_survey(store, SurveyKind.END_OF_LEVEL)
    follow_up = only_survey(store, SurveyKind.FOLLOW_UP)
    stranger = uuid.uuid4()
    with pytest.raises(NotFoundError):
        await answer(store, survey, SurveyAnswer(satisfaction=5), by=stranger, at=NOW)
    with pytest.raises(NotFoundError):
        await get_own_survey(survey.survey_id, stranger, queries=FakeQueries(store))
    # The follow-up exists, but is not offered yet: the same answer.
    situation = SurveyAnswer(situation=FollowUpSituation.NEW_JOB)
    with pytest.raises(NotFoundError):
        await answer(store, follow_up, situation, at=NOW)
    with pytest.raises(NotFoundError):
        await answer_survey(
            uuid.uuid4(),
            situation,
            beneficiary_id=case.beneficiary_id,
            uow=store,
            clock=Clock(),
            producer="intake",
        )
    assert store.surveys[survey.survey_id].status is SurveyStatus.PENDING


@pytest.mark.parametrize(
    ("given", "field", "kind"),
    [
        (SurveyAnswer(), "satisfaction", "missing"),
        (SurveyAnswer(would_recommend=False), "satisfaction", "missing"),
        (
            SurveyAnswer(satisfaction=3, situation=FollowUpSituation.TRAINING),
            "situation",
            "not_asked",
        ),
    ],
)
async def test_an_end_of_level_answer_must_fit_its_questions(
    given: SurveyAnswer, field: str, kind: str
) -> None:
    store, case = await opened_case()
    await close(store, case)
    survey = only_survey(store, SurveyKind.END_OF_LEVEL)
    with pytest.raises(SurveyAnswerError) as refused:
        await answer(store, survey, given, at=NOW)
    assert (refused.value.field, refused.value.kind) == (field, kind)
    assert store.surveys[survey.survey_id].status is SurveyStatus.PENDING


def test_a_follow_up_answer_is_the_situation_alone() -> None:
    SurveyAnswer(situation=FollowUpSituation.JOB_SEEKING).check(SurveyKind.FOLLOW_UP)
    for given, name in (
        (SurveyAnswer(), "situation"),
        (SurveyAnswer(situation=FollowUpSituation.OTHER, satisfaction=2), "satisfaction"),
        (SurveyAnswer(situation=FollowUpSituation.OTHER, would_recommend=True), "would_recommend"),
    ):
        with pytest.raises(SurveyAnswerError) as refused:
            given.check(SurveyKind.FOLLOW_UP)
        assert refused.value.field == name


async def test_a_survey_past_its_window_is_closed() -> None:
    store, case = await opened_case()
    await close(store, case)
    survey = only_survey(store, SurveyKind.END_OF_LEVEL)
    late = NOW + ANSWER_WINDOW
    with pytest.raises(SurveyClosedError):
        await answer(store, survey, SurveyAnswer(satisfaction=2), at=late)
    listed = await list_own_surveys(
        case.beneficiary_id, queries=FakeQueries(store), clock=Clock(late)
    )
    assert listed == []


async def test_erasure_deletes_every_survey_and_export_shows_them() -> None:
    store, case = await opened_case()
    await requalify(store, case, PERSONNALISE)
    await close(store, case)
    survey = next(s for s in store.surveys.values() if s.service_level is INDIVIDUALISE)
    await answer(store, survey, SurveyAnswer(satisfaction=5), at=NOW)
    exported = await export_beneficiary_data(case.beneficiary_id, uow=store)
    assert len(exported["surveys"]) == 3
    assert "surveys" in exported["retention"]
    await erase_beneficiary(
        case.beneficiary_id, erased_by=Actor("beneficiary"), uow=store, clock=Clock(), meta=META
    )
    assert store.surveys == {}


# The follow-up's e-mail -------------------------------------------------------------------


@dataclass
class MemoryQueue:
    """FollowUpQueue over the fake store's follow-ups, with the Mongo adapter's lease rules."""

    store: FakeStore
    states: dict[UUID, dict[str, object]] = field(default_factory=dict)
    max_attempts: int = 6

    def state(self, survey_id: UUID) -> dict[str, object]:
        survey = self.store.surveys[survey_id]
        return self.states.setdefault(
            survey_id, {"status": "scheduled", "due_at": survey.due_at, "attempts": 0}
        )

    async def claim(self, now: datetime, owner: str, lease: timedelta) -> Claimed | None:
        for survey in self.store.surveys.values():
            if survey.kind is not SurveyKind.FOLLOW_UP:
                continue
            state = self.state(survey.survey_id)
            due = state["status"] == "scheduled" and state["due_at"] <= now  # type: ignore[operator]
            expired = state["status"] == "sending" and state["lease_until"] <= now  # type: ignore[operator]
            if due or expired:
                attempts = int(state["attempts"]) + 1  # type: ignore[call-overload]
                state.update(status="sending", owner=owner, lease_until=now + lease)
                state["attempts"] = attempts
                return Claimed(survey.survey_id, attempts)
        return None

    def _settle(self, survey_id: UUID, owner: str, status: str) -> bool:
        state = self.state(survey_id)
        if state.get("owner") != owner or state["status"] != "sending":
            return False
        state["status"] = status
        return True

    async def mark_sent(self, survey_id: UUID, owner: str) -> bool:
        return self._settle(survey_id, owner, "sent")

    async def mark_dropped(self, survey_id: UUID, owner: str, why: str) -> bool:
        self.state(survey_id)["why"] = why
        return self._settle(survey_id, owner, "dropped")

    async def retry_later(self, survey_id: UUID, owner: str, at: datetime, error: str) -> str:
        state = self.state(survey_id)
        if int(state["attempts"]) >= self.max_attempts:  # type: ignore[call-overload]
            self._settle(survey_id, owner, "failed")
            return "failed"
        if self._settle(survey_id, owner, "scheduled"):
            state["due_at"] = at
        return "scheduled"

    async def next_due(self) -> datetime | None:
        return None


@dataclass
class Outbox:
    """SurveyMailer that keeps what it sent, or fails like a relay that is down."""

    sent: list[tuple[str, str, str, str]] = field(default_factory=list)
    down: bool = False

    async def send_follow_up(self, *, to: str, first_name: str, url: str, key: str) -> None:
        if self.down:
            raise MailError("down")
        self.sent.append((to, first_name, url, key))


class Links:
    """SurveyLinks that shows what it signs."""

    def url(self, survey_id: UUID, beneficiary_id: UUID, expires_at: datetime) -> str:
        return f"https://jalon.example/enquete/{survey_id}.{beneficiary_id}.{expires_at:%Y%m%d}"


@dataclass
class Sending:
    store: FakeStore
    queue: MemoryQueue
    mailer: Outbox
    clock: Clock

    def deps(self, owner: str = "sender-1") -> FollowUpSending:
        return FollowUpSending(
            queue=self.queue,
            uow=self.store,
            mailer=self.mailer,
            links=Links(),
            clock=self.clock,
            owner=owner,
            lease=timedelta(minutes=2),
        )


async def closed_with_follow_up() -> tuple[Sending, Case, Survey]:
    store, case = await opened_case()
    await close(store, case)
    sending = Sending(store, MemoryQueue(store), Outbox(), Clock())
    return sending, case, only_survey(store, SurveyKind.FOLLOW_UP)


async def test_a_follow_up_is_offered_and_e_mailed_once_when_due() -> None:
    sending, case, survey = await closed_with_follow_up()
    assert await send_next_follow_up(sending.deps()) is None
    assert sending.mailer.sent == []
    due = NOW + FOLLOW_UP_AFTER
    sending.clock.now = due
    assert await send_next_follow_up(sending.deps()) is Outcome.SENT
    assert await send_next_follow_up(sending.deps()) is None
    stored = sending.store.surveys[survey.survey_id]
    assert (stored.status, stored.offered_at, stored.expires_at) == (
        SurveyStatus.PENDING,
        due,
        due + ANSWER_WINDOW,
    )
    ((to, first_name, url, key),) = sending.mailer.sent
    assert (to, first_name, key) == ("camille@example.org", "Camille", str(survey.survey_id))
    assert url.endswith(f"{survey.survey_id}.{case.beneficiary_id}.{due + ANSWER_WINDOW:%Y%m%d}")
    follow_ups = [e for e in offered(sending.store) if e.kind is SurveyKind.FOLLOW_UP]
    assert len(follow_ups) == 1
    names_nobody(follow_ups[0], case.beneficiary_id, case.case_id, survey.survey_id)
    listed = await list_own_surveys(
        case.beneficiary_id, queries=FakeQueries(sending.store), clock=sending.clock
    )
    assert survey.survey_id in {s.survey_id for s in listed}


class Died(BaseException):
    """The process stopped dead: nothing after this point runs, not even error handling."""


@dataclass
class DyingOutbox(Outbox):
    """SurveyMailer whose process dies while handing the first e-mail over."""

    dies: bool = True

    async def send_follow_up(self, *, to: str, first_name: str, url: str, key: str) -> None:
        if self.dies:
            self.dies = False
            raise Died
        await super().send_follow_up(to=to, first_name=first_name, url=url, key=key)


async def test_a_sender_that_died_mid_way_is_taken_over_without_a_second_offer() -> None:
    sending, _, survey = await closed_with_follow_up()
    sending.mailer = DyingOutbox()
    sending.clock.now = NOW + FOLLOW_UP_AFTER
    with pytest.raises(Died):
        await send_next_follow_up(sending.deps("dead"))
    # The offer committed before the e-mail: the survey is answerable, its fact published.
    assert sending.store.surveys[survey.survey_id].status is SurveyStatus.PENDING
    assert [e.kind for e in offered(sending.store)][-1] is SurveyKind.FOLLOW_UP
    # Within the dead sender's lease, nobody else takes it; then another one does, once.
    assert await send_next_follow_up(sending.deps("other")) is None
    sending.clock.now += timedelta(minutes=3)
    assert await send_next_follow_up(sending.deps("other")) is Outcome.SENT
    assert await send_next_follow_up(sending.deps("other")) is None
    assert len(sending.mailer.sent) == 1
    follow_ups = [e for e in offered(sending.store) if e.kind is SurveyKind.FOLLOW_UP]
    assert len(follow_ups) == 1
    # The dead sender's late mark, were it to come back, is refused.
    assert not await sending.queue.mark_sent(survey.survey_id, "dead")


async def test_a_relay_that_is_down_postpones_the_e_mail_with_backoff() -> None:
    sending, _, survey = await closed_with_follow_up()
    sending.clock.now = NOW + FOLLOW_UP_AFTER
    sending.mailer.down = True
    assert await send_next_follow_up(sending.deps()) is Outcome.RETRY
    # Offered all the same: the person can answer from their space.
    assert sending.store.surveys[survey.survey_id].status is SurveyStatus.PENDING
    assert sending.queue.states[survey.survey_id]["due_at"] == sending.clock.now + backoff(1)
    assert await send_next_follow_up(sending.deps()) is None
    sending.mailer.down = False
    sending.clock.now += backoff(1)
    assert await send_next_follow_up(sending.deps()) is Outcome.SENT
    assert len(offered(sending.store)) == 2  # the end-of-level one, and this one once
    assert [backoff(n) for n in (1, 2, 3, 4, 5)] == [
        timedelta(minutes=1),
        timedelta(minutes=4),
        timedelta(minutes=16),
        timedelta(minutes=64),
        timedelta(hours=3),
    ]


async def test_a_relay_down_for_good_fails_the_e_mail_after_the_last_attempt() -> None:
    sending, _, survey = await closed_with_follow_up()
    sending.queue.max_attempts = 2
    sending.clock.now = NOW + FOLLOW_UP_AFTER
    sending.mailer.down = True
    assert await send_next_follow_up(sending.deps()) is Outcome.RETRY
    sending.clock.now += timedelta(hours=4)
    assert await send_next_follow_up(sending.deps()) is Outcome.FAILED
    assert sending.queue.states[survey.survey_id]["status"] == "failed"


async def test_a_follow_up_answered_or_erased_first_sends_nothing() -> None:
    sending, case, survey = await closed_with_follow_up()
    due = NOW + FOLLOW_UP_AFTER
    stored = sending.store.surveys[survey.survey_id]
    stored.offer(due - timedelta(minutes=5))
    stored.answer(SurveyAnswer(situation=FollowUpSituation.SAME_JOB), due - timedelta(minutes=1))
    sending.clock.now = due
    assert await send_next_follow_up(sending.deps()) is Outcome.DROPPED
    assert sending.queue.states[survey.survey_id]["why"] == "answered"
    assert sending.mailer.sent == []

    other, case, survey = await closed_with_follow_up()
    del other.store.beneficiaries[case.beneficiary_id]
    other.clock.now = due
    assert await send_next_follow_up(other.deps()) is Outcome.DROPPED
    assert other.queue.states[survey.survey_id]["why"] == "no_contact"
    assert other.mailer.sent == []

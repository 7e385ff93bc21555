"""Satisfaction surveys: one at the end of each service level, one follow-up after the path.

Intake keeps only that a survey was offered and answered, and when: the answers themselves leave
in an anonymous event and are stored nowhere here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from intake.domain.model import Case, DomainError
from jalon_shared.events.vocabulary import Csp, FollowUpSituation, ServiceLevel, SurveyKind

#: When the follow-up survey is offered after a case closes: about six months on.
FOLLOW_UP_AFTER = timedelta(days=182)
#: How long an offered survey can be answered (and its e-mailed link opened); its record then goes.
ANSWER_WINDOW = timedelta(days=60)
#: Requalifications that end a level and so earn its survey: a move down continues the path.
LEVEL_ENDING_CHANGES = frozenset(
    {(ServiceLevel.ACCUEIL_INDIVIDUALISE, ServiceLevel.ACCOMPAGNEMENT_PERSONNALISE)}
)


class SurveyStatus(StrEnum):
    """Where a survey stands: waiting to be offered, offered, answered."""

    SCHEDULED = "scheduled"
    PENDING = "pending"
    ANSWERED = "answered"


class SurveyAnswerError(ValueError):
    """An answer misses a field its survey asks, or fills one it does not."""

    def __init__(self, field: str, kind: str) -> None:
        super().__init__(f"{field}: {kind}")
        self.field = field
        self.kind = kind


class AlreadyAnsweredError(DomainError):
    """The survey was answered already; it takes one answer."""


class SurveyClosedError(DomainError):
    """The survey is past its answer window."""


def level_ended(previous: ServiceLevel, level: ServiceLevel) -> bool:
    """Return whether a requalification from previous to level ends a level."""
    return (previous, level) in LEVEL_ENDING_CHANGES


def day_of(at: datetime) -> datetime:
    """Return the start of at's day: when a survey was answered, no closer."""
    # The anonymous answer leaves at the same instant; a day's precision keeps the two apart.
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


class SurveyAnswer(BaseModel):
    """What a person answered; only ever carried to the anonymous event."""

    model_config = ConfigDict(frozen=True)

    satisfaction: int | None = Field(default=None, ge=1, le=5)
    would_recommend: bool | None = None
    situation: FollowUpSituation | None = None

    def check(self, kind: SurveyKind) -> None:
        """Refuse an answer that does not fit the survey's questions."""
        if kind is SurveyKind.END_OF_LEVEL:
            if self.satisfaction is None:
                raise SurveyAnswerError("satisfaction", "missing")
            if self.situation is not None:
                raise SurveyAnswerError("situation", "not_asked")
            return
        if self.situation is None:
            raise SurveyAnswerError("situation", "missing")
        if self.satisfaction is not None:
            raise SurveyAnswerError("satisfaction", "not_asked")
        if self.would_recommend is not None:
            raise SurveyAnswerError("would_recommend", "not_asked")


class Survey(BaseModel):
    """A survey offered (or to offer) to a beneficiary about one case and level."""

    survey_id: UUID
    beneficiary_id: UUID
    case_id: UUID
    kind: SurveyKind
    #: The case's categories when the level ended: what the anonymous facts carry.
    region: str
    site: str
    csp: Csp
    service_level: ServiceLevel
    status: SurveyStatus
    created_at: datetime
    #: A follow-up is offered once this date is reached.
    due_at: datetime | None = None
    offered_at: datetime | None = None
    expires_at: datetime | None = None
    #: The day it was answered (see day_of), never the answer.
    answered_at: datetime | None = None
    purge_at: datetime | None = None

    @classmethod
    def _about(cls, case: Case, kind: SurveyKind, level: ServiceLevel, at: datetime) -> Survey:
        return cls(
            survey_id=uuid4(),
            beneficiary_id=case.beneficiary_id,
            case_id=case.case_id,
            kind=kind,
            region=case.region,
            site=case.site,
            csp=case.csp,
            service_level=level,
            status=SurveyStatus.SCHEDULED,
            created_at=at,
        )

    @classmethod
    def end_of_level(cls, case: Case, level: ServiceLevel, at: datetime) -> Survey:
        """Return the survey about a level of the case that just ended, offered now."""
        survey = cls._about(case, SurveyKind.END_OF_LEVEL, level, at)
        survey.offer(at)
        return survey

    @classmethod
    def follow_up(cls, case: Case, at: datetime, *, after: timedelta) -> Survey:
        """Return the follow-up survey of a case closed at `at`, to offer `after` that."""
        survey = cls._about(case, SurveyKind.FOLLOW_UP, case.service_level, at)
        survey.due_at = at + after
        return survey

    def is_open(self, now: datetime) -> bool:
        """Return whether the survey is offered and can still be answered."""
        return (
            self.status is SurveyStatus.PENDING
            and self.expires_at is not None
            and now < self.expires_at
        )

    def offer(self, at: datetime) -> bool:
        """Offer a scheduled survey; return False when it was offered already."""
        if self.status is not SurveyStatus.SCHEDULED:
            return False
        self.status = SurveyStatus.PENDING
        self.offered_at = at
        self.expires_at = at + ANSWER_WINDOW
        # Nothing is kept past the answer window, answered or not.
        self.purge_at = self.expires_at
        return True

    def answer(self, answer: SurveyAnswer, at: datetime) -> None:
        """Take the one answer the survey gets, checked against its questions."""
        if self.status is SurveyStatus.ANSWERED:
            raise AlreadyAnsweredError("this survey was already answered")
        if not self.is_open(at):
            raise SurveyClosedError("this survey can no longer be answered")
        answer.check(self.kind)
        self.status = SurveyStatus.ANSWERED
        self.answered_at = day_of(at)

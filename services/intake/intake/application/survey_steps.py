"""Steps the survey use cases share: offering surveys and their anonymous events."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

from intake.application.ports import IntakeTransaction
from intake.domain.model import Case
from intake.domain.surveys import Survey, SurveyAnswer
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.intake import SurveyAnswered, SurveyOffered
from jalon_shared.events.vocabulary import ServiceLevel
from jalon_shared.logging import new_correlation_id


def anonymous_meta(producer: str) -> EventMeta:
    """Return envelope fields that tie a survey event to no request, log line or other event."""
    # The caller's correlation id is in its logs and in the events about the case: a survey
    # event carrying it would point back at the person.
    return EventMeta(correlation_id=new_correlation_id(), producer=producer)


def survey_offered(survey: Survey, *, at: datetime, producer: str) -> SurveyOffered:
    """Return the anonymous fact that a survey was offered."""
    return SurveyOffered(
        **anonymous_meta(producer).envelope(),
        occurred_at=at,
        offer_id=uuid4(),
        kind=survey.kind,
        region=survey.region,
        site=survey.site,
        csp=survey.csp,
        service_level=survey.service_level,
    )


def survey_answered(
    survey: Survey, answer: SurveyAnswer, *, at: datetime, producer: str
) -> SurveyAnswered:
    """Return the anonymous answer: the categories and the answer, no id of anyone."""
    return SurveyAnswered(
        **anonymous_meta(producer).envelope(),
        occurred_at=at,
        response_id=uuid4(),
        kind=survey.kind,
        region=survey.region,
        site=survey.site,
        csp=survey.csp,
        service_level=survey.service_level,
        satisfaction=answer.satisfaction,
        would_recommend=answer.would_recommend,
        situation=answer.situation,
    )


async def offer_end_of_level(
    tx: IntakeTransaction, case: Case, level: ServiceLevel, *, at: datetime, producer: str
) -> Survey | None:
    """Offer the survey about a level the case just ended, once per level; the caller saves it."""
    if not case.take_level_survey(level):
        return None
    survey = Survey.end_of_level(case, level, at)
    await tx.add_survey(survey)
    tx.emit(survey_offered(survey, at=at, producer=producer))
    return survey


async def schedule_follow_up(
    tx: IntakeTransaction, case: Case, *, at: datetime, after: timedelta
) -> Survey:
    """Schedule the follow-up survey of a case closed at `at`; it is offered when due."""
    survey = Survey.follow_up(case, at, after=after)
    await tx.add_survey(survey)
    return survey

"""Use case: a beneficiary reads one of their surveys (the link page asks if it is answered)."""

from __future__ import annotations

from uuid import UUID

from intake.application.errors import NotFoundError
from intake.application.ports import IntakeQueries
from intake.domain.surveys import Survey, SurveyStatus


async def get_own_survey(
    survey_id: UUID, beneficiary_id: UUID, *, queries: IntakeQueries
) -> Survey:
    """Return the survey if it was offered to this beneficiary; anything else is not found."""
    survey = await queries.survey(survey_id)
    # Someone else's survey and one not offered yet look the same: nothing to see here.
    if survey is None or survey.beneficiary_id != beneficiary_id:
        raise NotFoundError("no such survey")
    if survey.status is SurveyStatus.SCHEDULED:
        raise NotFoundError("no such survey")
    return survey

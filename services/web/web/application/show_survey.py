"""Use case: one of the beneficiary's surveys, to answer it or to say it was answered."""

from __future__ import annotations

from uuid import UUID

from web.application.survey_ports import SurveyApi
from web.application.survey_views import Survey
from web.domain.sessions import Session


async def show_survey(session: Session, survey_id: UUID, *, surveys: SurveyApi) -> Survey:
    """Return the survey as intake shows it to this beneficiary; raises ApiError (404)."""
    return await surveys.survey(session.token, survey_id)

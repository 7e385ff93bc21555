"""Use case: the surveys waiting for the beneficiary's answer, for their space's card."""

from __future__ import annotations

import structlog

from web.application.errors import ApiError
from web.application.survey_ports import SurveyApi
from web.application.survey_views import Survey
from web.domain.sessions import Session

log = structlog.get_logger(__name__)


async def show_own_surveys(session: Session, *, surveys: SurveyApi | None) -> list[Survey]:
    """Return the pending surveys; none when intake cannot say (the space shows the rest)."""
    if surveys is None:
        return []
    try:
        return [s for s in await surveys.mine(session.token) if not s.answered]
    except ApiError as exc:
        log.warning("surveys unavailable", status=exc.status)
        return []

"""Use case: the beneficiary answers a survey from their space or from the e-mailed link."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from jalon_shared.events.vocabulary import FollowUpSituation
from web.application.errors import ApiError, FieldError
from web.application.survey_ports import SurveyApi
from web.application.survey_views import Survey
from web.domain.sessions import Session

#: The recommendation's form values and what intake takes ("unknown" is no answer).
RECOMMENDS: dict[str, bool | None] = {"yes": True, "no": False, "unknown": None}


class SurveyDraft(BaseModel):
    """The survey form as sent, kept as text so a refused form comes back as it was."""

    model_config = ConfigDict(frozen=True)

    satisfaction: str = ""
    would_recommend: str = ""
    situation: str = ""

    def body(self) -> dict[str, Any]:
        """Return intake's answer body: only the questions answered, each checked here first."""
        body: dict[str, Any] = {}
        problems: list[FieldError] = []
        if self.satisfaction:
            if self.satisfaction in {"1", "2", "3", "4", "5"}:
                body["satisfaction"] = int(self.satisfaction)
            else:
                problems.append(FieldError("satisfaction", "enum"))
        if self.would_recommend:
            if self.would_recommend in RECOMMENDS:
                body["would_recommend"] = RECOMMENDS[self.would_recommend]
            else:
                problems.append(FieldError("would_recommend", "enum"))
        if self.situation:
            if self.situation in {s.value for s in FollowUpSituation}:
                body["situation"] = self.situation
            else:
                problems.append(FieldError("situation", "enum"))
        if problems:
            # The same refusal as intake's, so the page explains both alike.
            raise ApiError(422, "invalid answer", tuple(problems))
        return body


async def answer_survey(
    session: Session, survey_id: UUID, draft: SurveyDraft, *, surveys: SurveyApi
) -> Survey:
    """Send the answer to intake; raises ApiError (404, 409 already_answered, 422 by field)."""
    return await surveys.answer(session.token, survey_id, draft.body())

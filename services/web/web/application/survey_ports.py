"""What the survey pages need from intake: the beneficiary's surveys and their answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol
from uuid import UUID

from web.application.survey_views import Survey


class SurveyApi(Protocol):
    """Intake's survey routes, called with the beneficiary's token; raises ApiError."""

    async def mine(self, token: str) -> list[Survey]:
        """Return the beneficiary's surveys waiting for an answer."""
        ...

    async def survey(self, token: str, survey_id: UUID) -> Survey:
        """Return one of the beneficiary's surveys (404 when not theirs)."""
        ...

    async def answer(self, token: str, survey_id: UUID, body: Mapping[str, Any]) -> Survey:
        """Answer the survey (409 already_answered on a second answer, 422 naming a field)."""
        ...

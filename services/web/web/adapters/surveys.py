"""Intake's survey routes over HTTP, called with the beneficiary's token."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter

from web.adapters.services import ServiceClient
from web.application.survey_views import Survey

_SURVEYS = TypeAdapter(list[Survey])


class HttpSurveyApi:
    """SurveyApi over HTTP."""

    def __init__(self, client: ServiceClient) -> None:
        self._api = client

    async def mine(self, token: str) -> list[Survey]:
        """Return the beneficiary's surveys waiting for an answer."""
        return self._api.parse_list(_SURVEYS, await self._api.call("GET", "/surveys/mine", token))

    async def survey(self, token: str, survey_id: UUID) -> Survey:
        """Return one of the beneficiary's surveys."""
        data = await self._api.call("GET", f"/surveys/{survey_id}", token)
        return self._api.parse(Survey, data)

    async def answer(self, token: str, survey_id: UUID, body: Mapping[str, Any]) -> Survey:
        """Answer the survey."""
        data = await self._api.call("POST", f"/surveys/{survey_id}/answers", token, json=dict(body))
        return self._api.parse(Survey, data)

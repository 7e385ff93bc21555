"""A fake of intake's survey routes, and a front on the fakes with the link secret set."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from jwt import decode

from jalon_shared.links import SignedLinks
from tests.unit.web_fakes import NOW, Front, build_front
from web.application.errors import ApiError, FieldError
from web.application.survey_views import Survey

SECRET = "s" * 48


def survey(**overrides: Any) -> Survey:
    """Return a survey as intake shows it to its beneficiary."""
    data: dict[str, Any] = {
        "survey_id": str(uuid4()),
        "kind": "end_of_level",
        "status": "pending",
        "service_level": "accueil_individualise",
        "offered_at": NOW.isoformat(),
        "expires_at": (NOW + timedelta(days=60)).isoformat(),
    }
    data.update(overrides)
    return Survey.model_validate(data)


@dataclass
class FakeSurveys:
    """SurveyApi over surveys kept by owner; answers are checked as intake checks them."""

    owners: dict[UUID, str] = field(default_factory=dict)
    surveys: dict[UUID, Survey] = field(default_factory=dict)
    fail: dict[str, ApiError] = field(default_factory=dict)
    calls: list[tuple[str, str, tuple[Any, ...]]] = field(default_factory=list)

    def add(self, one: Survey, owner: UUID | str) -> Survey:
        self.surveys[one.survey_id] = one
        self.owners[one.survey_id] = str(owner)
        return one

    def called(self, name: str) -> list[tuple[Any, ...]]:
        return [args for called, _, args in self.calls if called == name]

    def _call(self, name: str, token: str, *args: Any) -> None:
        self.calls.append((name, token, args))
        if name in self.fail:
            raise self.fail[name]

    def _own(self, token: str, survey_id: UUID) -> Survey:
        # The fake trusts the token it is given: the tests check whose it is.
        sub = decode(token, options={"verify_signature": False})["sub"]
        if self.owners.get(survey_id) != sub:
            raise ApiError(404, "no such survey")
        return self.surveys[survey_id]

    async def mine(self, token: str) -> list[Survey]:
        self._call("mine", token)
        return [s for s in self.surveys.values() if self._owned(token, s) and not s.answered]

    def _owned(self, token: str, one: Survey) -> bool:
        try:
            self._own(token, one.survey_id)
        except ApiError:
            return False
        return True

    async def survey(self, token: str, survey_id: UUID) -> Survey:
        self._call("survey", token, survey_id)
        return self._own(token, survey_id)

    async def answer(self, token: str, survey_id: UUID, body: Mapping[str, Any]) -> Survey:
        self._call("answer", token, survey_id, dict(body))
        one = self._own(token, survey_id)
        if one.answered:
            raise ApiError(409, "answered", (FieldError("survey_id", "already_answered", "path"),))
        wanted = "satisfaction" if one.kind == "end_of_level" else "situation"
        if wanted not in body:
            raise ApiError(422, "invalid", (FieldError(wanted, "missing"),))
        answered = one.model_copy(update={"status": "answered"})
        self.surveys[survey_id] = answered
        return answered


@dataclass
class SurveyFront:
    front: Front
    surveys: FakeSurveys


def build_survey_front(*, links: bool = True) -> SurveyFront:
    """Return a front whose intake has survey routes, and verifies links when asked."""
    front = build_front()
    surveys = FakeSurveys()
    front.deps = replace(front.deps, surveys=surveys, links=SignedLinks(SECRET) if links else None)
    front.app.state.web = front.deps
    return SurveyFront(front, surveys)

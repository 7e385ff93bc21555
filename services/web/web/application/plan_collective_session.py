"""Use case: a manager plans a collective session from the form, times read in Paris time."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from web.application.collective_ports import CollectiveApi, reachable
from web.application.collective_views import SESSION_MODALITIES, CollectiveSession
from web.application.errors import FieldError
from web.domain.sessions import Session

#: Collective sessions are run in mainland France: the form's times are Paris times.
PARIS = ZoneInfo("Europe/Paris")
#: "14:30" (a time input), "14h30", "14 h 30"; a time input may add seconds.
CLOCK = re.compile(r"^\s*(\d{1,2})\s*[:hH]\s*(\d{2})(?::\d{2})?\s*$")
#: "2026-12-03" (a date input) or "03/12/2026" (typed where date inputs are not supported).
FRENCH_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_Text = Field(default="", max_length=400)

#: The service's field -> the form's field that holds it.
FORM_FIELDS = {"starts_at": "start_time", "ends_at": "end_time"}


class InvalidSessionDraftError(ValueError):
    """A form the page can tell is wrong before the service sees it, field by field."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__(", ".join(f"{e.field}: {e.type}" for e in self.errors))


def read_date(text: str) -> date | None:
    """Return the date typed, or None when it is not one."""
    found = FRENCH_DATE.match(text)
    try:
        if found:
            return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def read_clock(text: str) -> time | None:
    """Return the wall-clock time typed, or None when it is not one."""
    found = CLOCK.match(text)
    if not found:
        return None
    hours, minutes = int(found.group(1)), int(found.group(2))
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


def paris(day: date, clock: time) -> datetime:
    """Return a Paris wall-clock time as an aware time."""
    return datetime.combine(day, clock, tzinfo=PARIS)


class SessionDraft(BaseModel):
    """The planning form as typed: kept whole, so a refused form is shown again unchanged."""

    model_config = ConfigDict(frozen=True)

    title: str = _Text
    partner: str = _Text
    modality: str = _Text
    site: str = _Text
    date: str = _Text
    start_time: str = _Text
    end_time: str = _Text
    capacity: str = _Text

    def body(self) -> dict[str, Any]:
        """Return the service's body, or raise InvalidSessionDraftError for unreadable fields."""
        problems: list[FieldError] = []
        if not self.title.strip():
            problems.append(FieldError("title", "missing"))
        if self.modality not in {m.value for m in SESSION_MODALITIES}:
            problems.append(FieldError("modality", "enum"))
        day = read_date(self.date)
        if day is None:
            problems.append(FieldError("date", "missing" if not self.date.strip() else "date"))
        start, end = read_clock(self.start_time), read_clock(self.end_time)
        if start is None:
            problems.append(FieldError("start_time", "time"))
        if end is None:
            problems.append(FieldError("end_time", "time"))
        capacity = self.capacity.strip()
        if not capacity.isdigit():
            problems.append(FieldError("capacity", "int_parsing"))
        if problems or day is None or start is None or end is None:
            raise InvalidSessionDraftError(problems)
        face_to_face = self.modality == "face_to_face"
        return {
            "title": self.title.strip(),
            "partner": self.partner.strip() or None,
            "modality": self.modality,
            # A remote session has no site: one chosen before switching is dropped.
            "site": (self.site.strip() or None) if face_to_face else None,
            "starts_at": paris(day, start).isoformat(),
            "ends_at": paris(day, end).isoformat(),
            "capacity": int(capacity),
        }


def form_errors(errors: Iterable[FieldError]) -> tuple[FieldError, ...]:
    """Return the service's field errors named after the form's fields."""
    return tuple(
        FieldError(FORM_FIELDS.get(e.form_field, e.form_field), e.type, e.location) for e in errors
    )


async def plan_collective_session(
    session: Session, draft: SessionDraft, *, collective: CollectiveApi | None
) -> CollectiveSession:
    """Send the session with the manager's token; raises InvalidSessionDraftError or ApiError."""
    body = draft.body()
    return await reachable(collective).create(session.token, body)

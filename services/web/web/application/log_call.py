"""Use case: the counsellor logs a phone call held outside Jalon: when, and how it went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from uuid import UUID

import structlog

from web.application.appointment_drafts import InvalidDraftError, clock_time
from web.application.appointment_views import LOCAL_ZONE
from web.application.errors import FieldError
from web.application.session_ports import SessionApi
from web.application.session_views import Call
from web.domain.sessions import Session

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class CallDraft:
    """The call form as typed: a day, a start and an end in Paris time, an outcome code."""

    day: str = ""
    start: str = ""
    end: str = ""
    outcome: str = ""


def _moment(day: date, clock: str) -> str:
    hours, minutes = (int(part) for part in clock.split(":"))
    local = datetime.combine(day, time(hours, minutes), tzinfo=LOCAL_ZONE)
    return local.astimezone(UTC).isoformat()


def call_body(draft: CallDraft) -> dict[str, str]:
    """Return the API body: the local day and times read as instants; raises InvalidDraftError
    for what cannot be read as a day or a time (the service judges the rest)."""
    errors: list[FieldError] = []
    try:
        day: date | None = date.fromisoformat(draft.day.strip())
    except ValueError:
        day = None
        errors.append(FieldError("date", "missing" if not draft.day.strip() else "date"))
    start, end = clock_time(draft.start), clock_time(draft.end)
    if start is None:
        errors.append(FieldError("started_at", "missing" if not draft.start.strip() else "time"))
    if end is None:
        errors.append(FieldError("ended_at", "missing" if not draft.end.strip() else "time"))
    if errors or day is None or start is None or end is None:
        raise InvalidDraftError(errors)
    return {
        "started_at": _moment(day, start),
        "ended_at": _moment(day, end),
        "outcome": draft.outcome,
    }


async def log_call(
    session: Session, case_id: UUID, draft: CallDraft, *, sessions: SessionApi
) -> Call:
    """Log the call; raises InvalidDraftError (a day or time unreadable) or ApiError."""
    logged = await sessions.log_call(session.token, case_id, call_body(draft))
    log.info("call logged", call_id=str(logged.call_id), outcome=logged.outcome)
    return logged

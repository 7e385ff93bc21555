"""Use case: the counsellor's threads waiting for an answer, longest waiting first, with names."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import structlog

from web.application.errors import ApiError
from web.application.ports import IntakeApi
from web.application.session_ports import SessionApi
from web.application.session_views import Unanswered
from web.domain.sessions import Session

log = structlog.get_logger(__name__)

#: The home page lists this many; the count says how many more wait.
SHOWN_THREADS = 20


@dataclass(frozen=True, slots=True)
class WaitingThread:
    """A thread waiting for the counsellor, with the person's name when intake gives it."""

    case_id: UUID
    name: str | None
    waiting_since: datetime | None
    last_message_at: datetime | None


@dataclass(frozen=True, slots=True)
class UnansweredThreads:
    """The threads shown, and how many wait in all; items None when the service failed."""

    items: list[WaitingThread] | None
    total: int = 0


async def _name(session: Session, case_id: UUID, intake: IntakeApi) -> str | None:
    try:
        case = await intake.case(session.token, case_id)
    except ApiError as exc:
        log.warning("case name unavailable", status=exc.status)
        return None
    return case.beneficiary.full_name if case.beneficiary else None


def _waited(thread: Unanswered) -> datetime:
    # A thread without a date sorts last: it cannot be said to wait longest.
    return thread.waiting_since or thread.last_message_at or datetime.max.replace(tzinfo=UTC)


async def show_unanswered(
    session: Session, *, sessions: SessionApi | None, intake: IntakeApi
) -> UnansweredThreads:
    """Read the waiting threads and their people's names; never raises (the home page shows)."""
    if sessions is None:
        return UnansweredThreads(items=None)
    try:
        found = await sessions.unanswered(session.token)
    except ApiError as exc:
        log.warning("unanswered threads unavailable", status=exc.status)
        return UnansweredThreads(items=None)
    oldest_first = sorted(found, key=_waited)[:SHOWN_THREADS]
    names = await asyncio.gather(*(_name(session, t.case_id, intake) for t in oldest_first))
    return UnansweredThreads(
        items=[
            WaitingThread(t.case_id, name, t.waiting_since, t.last_message_at)
            for t, name in zip(oldest_first, names, strict=True)
        ],
        total=len(found),
    )

"""Use case: the case page's work between sessions: the thread, the tasks and the calls."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

import structlog

from web.application.errors import ApiError
from web.application.session_ports import SessionApi
from web.application.session_views import Call, Task, Thread
from web.application.show_calls import show_calls
from web.application.show_tasks import show_tasks
from web.application.show_thread import show_thread
from web.domain.sessions import Session

log = structlog.get_logger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CaseWork:
    """Each part None when it could not be read (the others, and the case page, still show)."""

    thread: Thread | None = None
    tasks: list[Task] | None = None
    calls: list[Call] | None = None


async def _or_none(what: str, call: Awaitable[T]) -> T | None:
    try:
        return await call
    except ApiError as exc:
        log.warning("case work unavailable", part=what, status=exc.status)
        return None


async def show_case_work(
    session: Session, case_id: UUID, *, sessions: SessionApi | None
) -> CaseWork:
    """Read the three parts at once (the thread marks the person's messages read); never
    raises."""
    if sessions is None:
        return CaseWork()
    thread, tasks, calls = await asyncio.gather(
        _or_none("thread", show_thread(session, case_id, sessions=sessions)),
        _or_none("tasks", show_tasks(session, case_id, sessions=sessions)),
        _or_none("calls", show_calls(session, case_id, sessions=sessions)),
    )
    return CaseWork(thread=thread, tasks=tasks, calls=calls)

"""Use case: a case's tasks between sessions, those to do first."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from web.application.session_ports import SessionApi
from web.application.session_views import Task
from web.domain.sessions import Session


def in_order(tasks: Iterable[Task]) -> list[Task]:
    """Return the tasks to do, soonest due first, then those done, latest done first."""
    found = list(tasks)
    to_do = sorted((t for t in found if not t.done), key=lambda t: (t.due_on, t.assigned_at))
    done = sorted(
        (t for t in found if t.done), key=lambda t: t.completed_at or t.assigned_at, reverse=True
    )
    return [*to_do, *done]


async def show_tasks(session: Session, case_id: UUID, *, sessions: SessionApi) -> list[Task]:
    """Return the case's tasks in order, read with the person's token; raises ApiError."""
    return in_order(await sessions.tasks(session.token, case_id))

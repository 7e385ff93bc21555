"""Use case: the counsellor gives the beneficiary a task to do before a due date."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import structlog

from web.application.session_ports import SessionApi
from web.application.session_views import Task
from web.domain.sessions import Session

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class TaskDraft:
    """The assignment form as typed."""

    title: str = ""
    instructions: str = ""
    kind: str = ""
    due_on: str = ""


async def assign_task(
    session: Session, case_id: UUID, draft: TaskDraft, *, sessions: SessionApi
) -> Task:
    """Send the form as typed: the service judges each field (raises ApiError)."""
    task = await sessions.assign_task(
        session.token,
        case_id,
        {
            "title": draft.title,
            "instructions": draft.instructions,
            "kind": draft.kind,
            "due_on": draft.due_on,
        },
    )
    log.info("task assigned", task_id=str(task.task_id))
    return task

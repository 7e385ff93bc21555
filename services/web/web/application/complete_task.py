"""Use case: the beneficiary marks a task done, with an optional note and files."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import structlog

from web.application.document_views import Upload
from web.application.session_ports import SessionApi
from web.application.session_views import Task
from web.domain.sessions import Session

log = structlog.get_logger(__name__)


async def complete_task(
    session: Session, task_id: UUID, note: str, files: Sequence[Upload], *, sessions: SessionApi
) -> Task:
    """Send the note and files; the service says whether this person may (raises ApiError)."""
    done = await sessions.complete_task(session.token, task_id, note, files)
    log.info("task completed", task_id=str(done.task_id), attachments=len(files))
    return done

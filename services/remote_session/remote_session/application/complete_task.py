"""Use case: the beneficiary completes a task, with a note and up to three files."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import structlog

from jalon_shared.access import Principal
from jalon_shared.events.envelope import EventMeta
from remote_session.application.access import reachable_case
from remote_session.application.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from remote_session.application.events import task_completed
from remote_session.application.ports import (
    CaseDirectory,
    FileStore,
    SessionQueries,
    SessionTransaction,
    UnitOfWork,
)
from remote_session.application.uploads import Upload, checked, discard, store
from remote_session.domain.tasks import Task, TaskError, TaskForbiddenError

log = structlog.get_logger(__name__)


async def complete_task(
    uow: UnitOfWork,
    queries: SessionQueries,
    directory: CaseDirectory,
    files: FileStore,
    principal: Principal,
    task_id: UUID,
    *,
    note: str | None,
    uploads: Sequence[Upload],
    now: datetime,
    meta: EventMeta,
) -> Task:
    """Mark the task done and publish it, the files stored first."""
    found = await queries.task(task_id)
    if found is None:
        raise NotFoundError("no such task")
    try:
        await reachable_case(directory, principal, found.case_id)
    except NotFoundError as exc:
        raise NotFoundError("no such task") from exc
    attachments = checked(uploads)
    await store(files, attachments, case_id=found.case_id, beneficiary_id=found.beneficiary_id)

    async def work(tx: SessionTransaction) -> Task:
        task = await tx.task(task_id)
        if task is None:
            raise NotFoundError("no such task")
        try:
            done = task.complete(
                beneficiary_id=principal.beneficiary_id(),
                note=note,
                attachments=[a for a, _ in attachments],
                now=now,
            )
        except TaskForbiddenError as exc:
            raise ForbiddenError(str(exc)) from exc
        except TaskError as exc:
            if exc.reason == "already_done":
                raise ConflictError(exc.reason, str(exc), field=exc.field) from exc
            raise InvalidInputError(exc.field, exc.reason, str(exc)) from exc
        await tx.save_task(done)
        tx.publish(task_completed(done, meta))
        return done

    try:
        done = await uow.run(work)
    except BaseException:
        await discard(files, attachments)
        raise
    log.info("task completed", task_id=str(done.task_id), attachments=len(done.attachments))
    return done

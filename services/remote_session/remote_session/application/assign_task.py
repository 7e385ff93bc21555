"""Use case: the case's counsellor assigns the beneficiary a task."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID, uuid4

import structlog

from jalon_shared.access import Principal
from jalon_shared.events.envelope import EventMeta
from remote_session.application.access import reachable_case
from remote_session.application.errors import ForbiddenError, InvalidInputError
from remote_session.application.events import task_assigned
from remote_session.application.ports import CaseDirectory, SessionTransaction, UnitOfWork
from remote_session.domain.tasks import Task, TaskError, TaskForbiddenError, TaskKind

log = structlog.get_logger(__name__)


async def assign_task(
    uow: UnitOfWork,
    directory: CaseDirectory,
    principal: Principal,
    case_id: UUID,
    *,
    title: str,
    instructions: str,
    kind: TaskKind,
    due_on: date,
    now: datetime,
    meta: EventMeta,
) -> Task:
    """Create the task and its event in one transaction."""
    case = await reachable_case(directory, principal, case_id)
    try:
        task = Task.assign(
            task_id=uuid4(),
            case_id=case.case_id,
            beneficiary_id=case.beneficiary_id,
            case_counsellor_id=case.counsellor_id,
            counsellor_id=principal.sub,
            title=title,
            instructions=instructions,
            kind=kind,
            due_on=due_on,
            now=now,
        )
    except TaskForbiddenError as exc:
        raise ForbiddenError(str(exc)) from exc
    except TaskError as exc:
        raise InvalidInputError(exc.field, exc.reason, str(exc)) from exc

    async def work(tx: SessionTransaction) -> Task:
        await tx.save_task(task)
        tx.publish(task_assigned(task, meta))
        return task

    saved = await uow.run(work)
    log.info("task assigned", task_id=str(saved.task_id), kind=saved.kind.value)
    return saved

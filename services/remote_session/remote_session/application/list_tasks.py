"""Use case: either party lists the case's tasks."""

from __future__ import annotations

from uuid import UUID

from jalon_shared.access import Principal
from remote_session.application.access import reachable_case
from remote_session.application.ports import CaseDirectory, SessionQueries
from remote_session.domain.tasks import Task


async def list_tasks(
    queries: SessionQueries, directory: CaseDirectory, principal: Principal, case_id: UUID
) -> list[Task]:
    """Return the case's tasks, soonest due first."""
    await reachable_case(directory, principal, case_id)
    return await queries.tasks_of(case_id)

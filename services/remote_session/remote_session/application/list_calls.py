"""Use case: either party of the case reads its call log."""

from __future__ import annotations

from uuid import UUID

from jalon_shared.access import Principal
from remote_session.application.access import reachable_case
from remote_session.application.ports import CaseDirectory
from remote_session.application.room_ports import RoomQueries
from remote_session.domain.calls import Call


async def list_calls(
    queries: RoomQueries, directory: CaseDirectory, principal: Principal, case_id: UUID
) -> list[Call]:
    """Return the case's logged calls, newest first."""
    await reachable_case(directory, principal, case_id)
    return await queries.calls_of(case_id)

"""Use case: staff of the region record whether a registered person came."""

from __future__ import annotations

from uuid import UUID

from web.application.collective_ports import CollectiveApi, reachable
from web.application.collective_views import Enrolment
from web.domain.sessions import Session


async def mark_session_attendance(
    session: Session,
    session_id: UUID,
    registration_id: UUID,
    *,
    attended: bool,
    collective: CollectiveApi | None,
) -> Enrolment:
    """Record the attendance; raises ApiError (409 before the session starts)."""
    return await reachable(collective).mark_attendance(
        session.token, session_id, registration_id, attended=attended
    )

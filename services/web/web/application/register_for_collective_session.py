"""Use case: a beneficiary registers for a session (a seat, or the waitlist when it is full)."""

from __future__ import annotations

from uuid import UUID

from web.application.collective_ports import CollectiveApi, reachable
from web.application.collective_views import Enrolment
from web.domain.sessions import Session


async def register_for_collective_session(
    session: Session, session_id: UUID, *, collective: CollectiveApi | None
) -> Enrolment:
    """Register the signed-in beneficiary with their own token; raises ApiError."""
    return await reachable(collective).register(session.token, session_id)

"""Use case: a beneficiary cancels their registration (or leaves the waitlist)."""

from __future__ import annotations

from uuid import UUID

from web.application.collective_ports import CollectiveApi, reachable
from web.application.collective_views import Enrolment
from web.domain.sessions import Session


async def cancel_collective_registration(
    session: Session, session_id: UUID, *, collective: CollectiveApi | None
) -> Enrolment:
    """Cancel the signed-in beneficiary's own registration; raises ApiError."""
    return await reachable(collective).unregister(session.token, session_id)

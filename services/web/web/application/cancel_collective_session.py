"""Use case: a manager cancels a session, once confirmed; registrants are told by the service."""

from __future__ import annotations

from uuid import UUID

from web.application.collective_ports import CollectiveApi, reachable
from web.application.collective_views import CollectiveSession
from web.application.errors import NotConfirmedError
from web.domain.sessions import Session


async def cancel_collective_session(
    session: Session, session_id: UUID, *, confirmed: bool, collective: CollectiveApi | None
) -> CollectiveSession:
    """Cancel the session; raises NotConfirmedError or ApiError."""
    if not confirmed:
        raise NotConfirmedError
    return await reachable(collective).cancel(session.token, session_id)

"""Use case: the phone calls logged for a case, newest first."""

from __future__ import annotations

from uuid import UUID

from web.application.session_ports import SessionApi
from web.application.session_views import Call
from web.domain.sessions import Session


async def show_calls(session: Session, case_id: UUID, *, sessions: SessionApi) -> list[Call]:
    """Return the case's calls, newest first; raises ApiError."""
    found = await sessions.calls(session.token, case_id)
    return sorted(found, key=lambda c: c.started_at, reverse=True)

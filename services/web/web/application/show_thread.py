"""Use case: a case's thread, as its beneficiary or its counsellor reads it."""

from __future__ import annotations

from uuid import UUID

from web.application.session_ports import SessionApi
from web.application.session_views import Thread
from web.domain.sessions import Session


async def show_thread(session: Session, case_id: UUID, *, sessions: SessionApi) -> Thread:
    """Read the thread with the person's own token (which marks the other side's messages read);
    raises ApiError when refused."""
    return await sessions.thread(session.token, case_id)

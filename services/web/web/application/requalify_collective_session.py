"""Use case: a manager moves a session to video or phone; registrants are told by the service."""

from __future__ import annotations

from uuid import UUID

from jalon_shared.events.vocabulary import Modality
from web.application.collective_ports import CollectiveApi, reachable
from web.application.collective_views import CollectiveSession
from web.domain.sessions import Session


async def requalify_collective_session(
    session: Session, session_id: UUID, modality: Modality, *, collective: CollectiveApi | None
) -> CollectiveSession:
    """Requalify the session; raises ApiError."""
    return await reachable(collective).requalify(session.token, session_id, modality)

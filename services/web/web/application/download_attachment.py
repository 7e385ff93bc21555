"""Use case: either side of a case downloads a file attached to its thread or to a task."""

from __future__ import annotations

from uuid import UUID

from web.application.document_views import FileStream
from web.application.session_ports import SessionApi
from web.domain.sessions import Session


async def download_attachment(
    session: Session, attachment_id: UUID, *, sessions: SessionApi
) -> FileStream:
    """Open the file with the person's token (the service says whether they may); raises
    ApiError when refused."""
    return await sessions.attachment(session.token, attachment_id)

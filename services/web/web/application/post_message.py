"""Use case: the beneficiary or the counsellor writes to the case's thread, files attached."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import structlog

from web.application.document_views import Upload
from web.application.session_ports import SessionApi
from web.application.session_views import Message
from web.domain.sessions import Session

log = structlog.get_logger(__name__)


async def post_message(
    session: Session, case_id: UUID, text: str, files: Sequence[Upload], *, sessions: SessionApi
) -> Message:
    """Post it as typed; the service judges the text and the files (raises ApiError)."""
    posted = await sessions.post_message(session.token, case_id, text, files)
    log.info("message posted", message_id=str(posted.message_id), attachments=len(files))
    return posted

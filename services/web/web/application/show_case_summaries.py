"""Use case: a case's summaries, as its page lists them to the counsellor."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import structlog

from web.application.document_ports import DocumentApi
from web.application.document_views import Summary
from web.application.errors import ApiError
from web.domain.sessions import Session

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class CaseSummaries:
    """The case's summaries, newest first; None when the service is unavailable."""

    items: list[Summary] | None


async def show_case_summaries(
    session: Session, case_id: UUID, *, documents: DocumentApi | None
) -> CaseSummaries:
    """Read the case's summaries; never raises, so the case page shows without them."""
    if documents is None:
        return CaseSummaries(items=None)
    try:
        found = await documents.case_summaries(session.token, case_id)
    except ApiError as exc:
        log.warning("case summaries unavailable", status=exc.status)
        return CaseSummaries(items=None)
    return CaseSummaries(items=sorted(found, key=lambda s: s.created_at, reverse=True))

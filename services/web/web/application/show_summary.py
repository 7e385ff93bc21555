"""Use case: one summary as its page shows it, with its evidence trail once settled."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import structlog

from jalon_shared.events.vocabulary import SummaryStatus
from web.application.document_ports import DocumentApi
from web.application.document_views import (
    Evidence,
    Summary,
)
from web.application.errors import ApiError
from web.domain.sessions import Session

log = structlog.get_logger(__name__)

#: Statuses whose evidence trail is worth showing: the signature, or its refusal, is final.
SETTLED = frozenset({SummaryStatus.SIGNED, SummaryStatus.DECLINED})


@dataclass(frozen=True, slots=True)
class SummaryPage:
    """The summary, and its evidence when asked for and settled (None if unavailable)."""

    summary: Summary
    evidence: Evidence | None = None
    evidence_unavailable: bool = False


async def show_summary(
    session: Session, document_id: UUID, *, documents: DocumentApi, with_evidence: bool = False
) -> SummaryPage:
    """Read the summary (raises ApiError); the evidence's failure only leaves it out."""
    summary = await documents.summary(session.token, document_id)
    if not with_evidence or summary.status not in SETTLED:
        return SummaryPage(summary)
    try:
        evidence = await documents.evidence(session.token, document_id)
    except ApiError as exc:
        log.warning("evidence unavailable", status=exc.status)
        return SummaryPage(summary, evidence_unavailable=True)
    return SummaryPage(summary, evidence)

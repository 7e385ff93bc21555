"""Use case: "Mes documents": the beneficiary's summaries and the files of their space."""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from web.application.document_ports import DocumentApi
from web.application.document_views import OwnDocument, Summary
from web.application.errors import ApiError
from web.domain.sessions import Session

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class OwnDocuments:
    """Each list newest first; None when it could not be read (the other still shows)."""

    summaries: list[Summary] | None
    documents: list[OwnDocument] | None


async def show_own_documents(session: Session, *, documents: DocumentApi) -> OwnDocuments:
    """Read both lists; a failure of one leaves only that one out."""
    try:
        summaries: list[Summary] | None = sorted(
            await documents.my_summaries(session.token), key=lambda s: s.created_at, reverse=True
        )
    except ApiError as exc:
        log.warning("own summaries unavailable", status=exc.status)
        summaries = None
    try:
        files: list[OwnDocument] | None = sorted(
            await documents.my_documents(session.token), key=lambda d: d.created_at, reverse=True
        )
    except ApiError as exc:
        log.warning("own documents unavailable", status=exc.status)
        files = None
    return OwnDocuments(summaries=summaries, documents=files)

"""Use case: the summary as a PDF: a preview of the current version, or the sealed file."""

from __future__ import annotations

import asyncio
from uuid import UUID

from document_signature.application.access import reachable_summary
from document_signature.application.errors import NotFoundError
from document_signature.application.ports import SignatureQueries
from document_signature.application.sealing import SigningTools, printable
from document_signature.domain.summary import (
    Summary,
)
from jalon_shared.access import Principal
from jalon_shared.events.vocabulary import SummaryStatus


async def summary_pdf(
    queries: SignatureQueries, tools: SigningTools, principal: Principal, document_id: UUID
) -> tuple[Summary, bytes]:
    """Return the sealed PDF once signed; before, a fresh render of the current version."""
    summary = await reachable_summary(queries, tools.directory, principal, document_id)
    if summary.status is SummaryStatus.SIGNED:
        stored = await queries.document(document_id)
        content = None if stored is None else await tools.files.get(stored.file_id)
        if content is None:
            raise NotFoundError("the sealed file is no longer held")
        return summary, content
    page = await printable(tools, summary)
    return summary, await asyncio.to_thread(tools.pdf.render, page, None)

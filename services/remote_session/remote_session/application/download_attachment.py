"""Use case: either party of the case reads an attachment's bytes."""

from __future__ import annotations

from uuid import UUID

from jalon_shared.access import Principal
from remote_session.application.access import reachable_case
from remote_session.application.errors import NotFoundError
from remote_session.application.ports import CaseDirectory, FileStore, StoredFile


async def download_attachment(
    directory: CaseDirectory, files: FileStore, principal: Principal, attachment_id: UUID
) -> StoredFile:
    """Return the attachment if the caller is a party of its case, else not found."""
    stored = await files.get(attachment_id)
    if stored is None:
        raise NotFoundError("no such attachment")
    try:
        await reachable_case(directory, principal, stored.case_id)
    except NotFoundError as exc:
        raise NotFoundError("no such attachment") from exc
    return stored

"""Use case: someone opens a shared document's link, without an account."""

from __future__ import annotations

import re

from web.application.document_ports import DocumentApi
from web.application.document_views import ClientInfo, FileStream
from web.application.errors import ApiError

#: What a share's token looks like; anything else cannot be one, and is not sent on.
SHARE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,256}$")


async def open_share(token: str, *, client: ClientInfo, documents: DocumentApi) -> FileStream:
    """Open the file (the service logs the access); raises ApiError 404 for no such link."""
    if not SHARE_TOKEN.match(token):
        raise ApiError(404, "no such share")
    return await documents.shared(token, client)

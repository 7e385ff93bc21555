"""Use case: the beneficiary signs a summary with the code they received."""

from __future__ import annotations

import re
from uuid import UUID

from web.application.appointment_drafts import InvalidDraftError
from web.application.document_ports import DocumentApi
from web.application.document_views import ClientInfo, Summary
from web.application.errors import FieldError
from web.domain.sessions import Session

#: A code as people type it: digits, maybe split by spaces.
CODE = re.compile(r"^\d{4,10}$")


async def sign_summary(
    session: Session, document_id: UUID, code: str, *, client: ClientInfo, documents: DocumentApi
) -> Summary:
    """Sign; raises InvalidDraftError for no code or not digits, ApiError when refused."""
    digits = re.sub(r"[\s.-]", "", code)
    if not digits:
        raise InvalidDraftError([FieldError("code", "missing")])
    if not CODE.match(digits):
        raise InvalidDraftError([FieldError("code", "not_digits")])
    return await documents.sign(session.token, document_id, digits, client)

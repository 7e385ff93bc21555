"""Pieces the summary use cases share: loading in a transaction and naming refusals."""

from __future__ import annotations

from uuid import UUID

from document_signature.application.errors import ConflictError, ForbiddenError, NotFoundError
from document_signature.application.ports import SignatureTransaction
from document_signature.domain.summary import Summary, SummaryError
from jalon_shared.access import Principal, Role


def conflict(exc: SummaryError) -> ConflictError:
    """Return the 409 a refused transition answers with, naming its reason."""
    return ConflictError(exc.reason, str(exc))


async def load(tx: SignatureTransaction, document_id: UUID) -> Summary:
    """Return the summary as the transaction reads it (an erasure may have removed it)."""
    summary = await tx.summary(document_id)
    if summary is None:
        raise NotFoundError("no such summary")
    return summary


def require_role(principal: Principal, role: Role) -> None:
    """Refuse a caller of another role (the routes already admit only this one)."""
    if principal.role is not role:
        raise ForbiddenError(f"only a {role.value} may do this")

"""Use case: another service reads a beneficiary's name, to print it on a document they sign."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from intake.application.errors import ForbiddenError, NotFoundError
from intake.application.ports import IntakeQueries
from jalon_shared.access import Principal, Role


@dataclass(frozen=True, slots=True)
class Identity:
    """A beneficiary's name: only what a signed document prints, never how to reach them."""

    first_name: str
    last_name: str


async def get_identity(
    beneficiary_id: UUID, *, principal: Principal, queries: IntakeQueries
) -> Identity:
    """Return the beneficiary's name to a service; unknown or erased is not found."""
    if principal.role is not Role.SERVICE:
        raise ForbiddenError("only services read a beneficiary's identity")
    beneficiary = await queries.beneficiary(beneficiary_id)
    # A provisional record holds details typed for a request under duplicate review: nobody's
    # yet, so nothing is signed in its name.
    if beneficiary is None or beneficiary.provisional:
        raise NotFoundError("no identity held for this beneficiary")
    return Identity(first_name=beneficiary.first_name, last_name=beneficiary.last_name)

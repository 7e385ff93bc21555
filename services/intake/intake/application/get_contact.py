"""Use case: another service reads how to reach a beneficiary, to send them a notice."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from intake.application.errors import ForbiddenError, NotFoundError
from intake.application.ports import IntakeQueries
from jalon_shared.access import Principal, Role
from jalon_shared.events.vocabulary import ContactChannel


@dataclass(frozen=True, slots=True)
class Contact:
    """A beneficiary's contact details: only what a notice needs, never their name."""

    email: str
    phone: str | None
    preferred_channel: ContactChannel


async def get_contact(
    beneficiary_id: UUID, *, principal: Principal, queries: IntakeQueries
) -> Contact:
    """Return the beneficiary's contact details to a service; unknown or erased is not found."""
    if principal.role is not Role.SERVICE:
        raise ForbiddenError("only services read contact details")
    beneficiary = await queries.beneficiary(beneficiary_id)
    # A provisional record holds details typed for a request under duplicate review: nobody's
    # yet, so nobody is notified through it.
    if beneficiary is None or beneficiary.provisional:
        raise NotFoundError("no contact held for this beneficiary")
    return Contact(
        email=beneficiary.email,
        phone=beneficiary.phone,
        preferred_channel=beneficiary.preferred_channel,
    )

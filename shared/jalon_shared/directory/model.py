"""The directory copy's entries and rules, free of storage and web framework."""

from __future__ import annotations

import hashlib
from typing import Literal, Protocol
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from jalon_shared.access import Principal, may_access_case

CaseState = Literal["open", "closed"]


class CaseEntry(BaseModel):
    """Who owns a case, and where it is followed."""

    model_config = ConfigDict(frozen=True)

    case_id: UUID
    beneficiary_id: UUID
    counsellor_id: str | None
    region: str
    site: str
    status: CaseState


def may_access(principal: Principal, case: CaseEntry) -> bool:
    """Return whether the caller may act on the case."""
    return may_access_case(
        principal,
        beneficiary_id=case.beneficiary_id,
        counsellor_id=case.counsellor_id,
        region=case.region,
    )


def erasure_digest(beneficiary_id: UUID) -> str:
    """Return the digest an erasure marker is stored under."""
    return hashlib.sha256(beneficiary_id.bytes).hexdigest()


class CaseLookup(Protocol):
    """Finds the local copy of a case's ownership; Directory is the MongoDB one."""

    async def case(self, case_id: UUID) -> CaseEntry | None: ...


async def can_access_case(lookup: CaseLookup, principal: Principal, case_id: UUID) -> bool:
    """Return whether the caller may act on the case; an unknown case is nobody's."""
    case = await lookup.case(case_id)
    return case is not None and may_access(principal, case)

"""The route telling a caller whether they may act on a case, by the directory copy."""

# FastAPI resolves route annotations at runtime, and these name local dependencies.
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel

from jalon_shared.directory.model import CaseEntry, CaseLookup, CaseState, may_access
from jalon_shared.http import AUTHENTICATED, error_responses
from jalon_shared.http_auth import CurrentPrincipal


class CaseAccess(BaseModel):
    """What a caller may know about a case they can act on."""

    case_id: UUID
    counsellor_id: str | None
    region: str
    site: str
    status: CaseState


def directory_router(lookup: CaseLookup) -> APIRouter:
    """Return the route telling a caller whether they may act on a case."""
    router = APIRouter(tags=["directory"])

    async def accessible_case(case_id: UUID, principal: CurrentPrincipal) -> CaseEntry:
        case = await lookup.case(case_id)
        if case is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="unknown case")
        if not may_access(principal, case):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="not your case")
        return case

    @router.get("/cases/{case_id}/access", responses=error_responses(*AUTHENTICATED, 404, 422))
    async def case_access(case: Annotated[CaseEntry, Depends(accessible_case)]) -> CaseAccess:
        """Return the case's owner and place if the caller may act on it."""
        return CaseAccess.model_validate(case.model_dump())

    return router

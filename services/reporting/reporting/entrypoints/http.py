"""Reporting's HTTP API."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, status
from pydantic import BaseModel

from jalon_shared.access import Principal, Role, may_read_region
from jalon_shared.http import AUTHENTICATED, error_responses
from jalon_shared.http_auth import require_roles
from reporting.application.get_region_activity import get_region_activity
from reporting.application.ports import ActivityQueries, ProcessedMarkers, ReadModelFacts
from reporting.application.reset_read_model import reset_read_model
from reporting.domain.activity import RegionActivity


class ResetResult(BaseModel):
    """How many facts were dropped."""

    removed: int


def build_router(
    queries: ActivityQueries, facts: ReadModelFacts, markers: ProcessedMarkers
) -> APIRouter:
    """Return reporting's routes bound to their queries."""
    router = APIRouter(tags=["reporting"])
    manager = require_roles(Role.MANAGER)
    service = require_roles(Role.SERVICE)

    @router.post("/admin/read-model/reset", responses=error_responses(*AUTHENTICATED))
    async def reset(_: Annotated[Principal, Depends(service)]) -> ResetResult:
        """Drop the read model; re-publishing the producers' outboxes rebuilds it."""
        return ResetResult(removed=await reset_read_model(facts, markers))

    @router.get("/regions/{region}/activity", responses=error_responses(*AUTHENTICATED, 422))
    async def region_activity(
        region: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")],
        principal: Annotated[Principal, Depends(manager)],
    ) -> RegionActivity:
        """Return the region's activity; a manager reads only their own region."""
        if not may_read_region(principal, region):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="outside your region")
        return await get_region_activity(region, queries)

    return router

"""Operator routes every service shares, for service tokens only."""

# FastAPI resolves route annotations at runtime, and these name local dependencies.
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, ConfigDict, field_validator

from jalon_shared.access import Principal, Role
from jalon_shared.http import AUTHENTICATED, WITH_BODY, error_responses
from jalon_shared.http_auth import require_roles
from jalon_shared.messaging.outbox import OutboxRelay


class RepublishRequest(BaseModel):
    """Which part of the outbox history to publish again."""

    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime | None = None

    @field_validator("since", mode="before")
    @classmethod
    def _text_only(cls, value: Any) -> Any:
        # The schema says a date-time string; pydantic alone would also read a number as Unix time.
        if value is not None and not isinstance(value, str):
            raise ValueError("since must be an ISO 8601 date-time string")
        return value


class RepublishResult(BaseModel):
    """How many records were queued again."""

    queued: int
    since: datetime | None


def admin_router(relay: OutboxRelay) -> APIRouter:
    """Return the operator routes: re-publishing the outbox history."""
    router = APIRouter(prefix="/admin", tags=["admin"])
    service_only = require_roles(Role.SERVICE)

    @router.post("/outbox/republish", responses=error_responses(*AUTHENTICATED, *WITH_BODY))
    async def republish(
        request: RepublishRequest, _: Annotated[Principal, Depends(service_only)]
    ) -> RepublishResult:
        """Queue the kept outbox history again, e.g. after the embedded broker restarted empty."""
        queued = await relay.republish(request.since)
        return RepublishResult(queued=queued, since=request.since)

    return router

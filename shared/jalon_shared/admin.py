"""Operator routes every service shares, for service tokens only."""

# FastAPI resolves route annotations at runtime, and these name local dependencies.
from datetime import datetime
from typing import Annotated, Any

from bson import ObjectId
from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, field_validator

from jalon_shared.access import Principal, Role
from jalon_shared.http import AUTHENTICATED, WITH_BODY, error_responses
from jalon_shared.http_auth import require_roles
from jalon_shared.messaging.outbox import OutboxRelay
from jalon_shared.mongo import CommandCounter


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


class HistoryRecord(BaseModel):
    """One kept outbox record: its cursor and the event as published."""

    id: str
    payload: str


class HistoryPage(BaseModel):
    """A page of the outbox history in creation order, and the cursor of the next page."""

    records: list[HistoryRecord]
    next: str | None


class CommandCounts(BaseModel):
    """MongoDB commands this process sent since it started, by command and collection."""

    total: int
    by_command: dict[str, int]


def admin_router(relay: OutboxRelay, commands: CommandCounter) -> APIRouter:
    """Return the operator routes: re-publishing the outbox history, counting round trips."""
    router = APIRouter(prefix="/admin", tags=["admin"])
    service_only = require_roles(Role.SERVICE)

    @router.post("/outbox/republish", responses=error_responses(*AUTHENTICATED, *WITH_BODY))
    async def republish(
        request: RepublishRequest, _: Annotated[Principal, Depends(service_only)]
    ) -> RepublishResult:
        """Queue the kept outbox history again, e.g. after the embedded broker restarted empty."""
        queued = await relay.republish(request.since)
        return RepublishResult(queued=queued, since=request.since)

    @router.get("/outbox/history", responses=error_responses(*AUTHENTICATED, 422))
    async def history(
        _: Annotated[Principal, Depends(service_only)],
        after: Annotated[str | None, Query(pattern=r"^[0-9a-f]{24}$")] = None,
        limit: Annotated[int, Query(ge=1, le=2000)] = 500,
    ) -> HistoryPage:
        """Return the kept outbox history page by page, so a read model can be rebuilt from it."""
        records, following = await relay.history(None if after is None else ObjectId(after), limit)
        return HistoryPage(
            records=[HistoryRecord(id=str(key), payload=payload) for key, payload in records],
            next=None if following is None else str(following),
        )

    @router.get("/mongo-commands", responses=error_responses(*AUTHENTICATED))
    async def mongo_commands(_: Annotated[Principal, Depends(service_only)]) -> CommandCounts:
        """Return the database round trips of this process, for benchmarks and capacity work."""
        counts = commands.snapshot()
        return CommandCounts(total=sum(counts.values()), by_command=counts)

    return router

"""Reporting's HTTP API: a region's dashboard and its CSV, and the operator's rebuild."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import BaseModel

from jalon_shared.access import Principal, Role, may_read_region
from jalon_shared.http import (
    AUTHENTICATED,
    ApiError,
    ErrorItem,
    answer_405_with_every_method,
    error_responses,
)
from jalon_shared.http_auth import require_roles
from reporting.application.get_dashboard import get_dashboard
from reporting.application.ports import CounterReader, ReadModelAdmin, RegionLabels
from reporting.domain.dashboard import Dashboard
from reporting.domain.funder_csv import funder_csv
from reporting.domain.periods import PeriodError
from reporting.entrypoints.query import DashboardQuery, dashboard_query

REGION = Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")


class RebuildState(BaseModel):
    """Which generation is read, which is being built, and the last rebuild's progress."""

    active: int
    building: int | None
    rebuild: dict[str, Any] | None = None


def region_reader(region: str, principal: Principal) -> None:
    """Refuse a manager another region's figures."""
    if not may_read_region(principal, region):
        raise ApiError(status.HTTP_403_FORBIDDEN, "outside your region")


async def read_dashboard(
    region: str, query: DashboardQuery, counters: CounterReader, labels: RegionLabels
) -> Dashboard:
    """Return the dashboard, or a 422 naming `at` when the key names no period of its kind."""
    try:
        return await get_dashboard(
            region, query.kind, query.key, query.filters, counters=counters, labels=labels
        )
    except PeriodError as exc:
        raise ApiError(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "invalid period",
            [
                ErrorItem(
                    location="query",
                    field="at",
                    type="period_mismatch",
                    message=f"not a {exc} key",
                )
            ],
        ) from exc


def build_router(
    counters: CounterReader,
    store: ReadModelAdmin,
    rebuild: Callable[[], Coroutine[Any, Any, object]],
) -> APIRouter:
    """Return reporting's routes bound to their dependencies."""
    router = APIRouter(tags=["reporting"])
    manager = require_roles(Role.MANAGER)
    service = require_roles(Role.SERVICE)
    running: set[asyncio.Task[object]] = set()

    @router.get("/regions/{region}/dashboard", responses=error_responses(*AUTHENTICATED, 422))
    async def region_dashboard(
        region: Annotated[str, REGION],
        principal: Annotated[Principal, Depends(manager)],
        query: Annotated[DashboardQuery, Depends(dashboard_query)],
    ) -> Dashboard:
        """Return the region's indicators, tables and trends; small cells suppressed."""
        region_reader(region, principal)
        return await read_dashboard(region, query, counters, store)

    @router.get(
        "/regions/{region}/export.csv",
        responses={
            **error_responses(*AUTHENTICATED, 422),
            200: {"content": {"text/csv": {}}, "description": "The funder's CSV"},
        },
        response_class=Response,
    )
    async def region_csv(
        region: Annotated[str, REGION],
        principal: Annotated[Principal, Depends(manager)],
        query: Annotated[DashboardQuery, Depends(dashboard_query)],
    ) -> Response:
        """Return the region's figures as the CSV a funder receives (hidden cells left empty)."""
        region_reader(region, principal)
        board = await read_dashboard(region, query, counters, store)
        label, sites = await store.region_labels(region)
        # A byte-order mark so spreadsheet software reads the accents as UTF-8.
        body = "\ufeff" + funder_csv(board, region_label=label, site_labels=sites)
        name = f"jalon-activite-{region}-{board.period.key}.csv"
        return Response(
            body.encode(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.post(
        "/admin/read-model/rebuild",
        status_code=status.HTTP_202_ACCEPTED,
        responses=error_responses(*AUTHENTICATED, 409),
    )
    async def start_rebuild(_: Annotated[Principal, Depends(service)]) -> RebuildState:
        """Start rebuilding the read model from the producers' outbox history."""
        if await store.rebuilding():
            raise ApiError(status.HTTP_409_CONFLICT, "a rebuild is already running")
        task: asyncio.Task[object] = asyncio.create_task(rebuild())
        running.add(task)
        task.add_done_callback(running.discard)
        # Let the task claim its generation, so the answer shows it.
        for _attempt in range(50):
            await asyncio.sleep(0.01)
            if await store.rebuilding() or task.done():
                break
        return _state(await store.state())

    @router.get("/admin/read-model", responses=error_responses(*AUTHENTICATED))
    async def read_model_state(_: Annotated[Principal, Depends(service)]) -> RebuildState:
        """Return the generations and the last rebuild's progress."""
        return _state(await store.state())

    answer_405_with_every_method(router)
    return router


def _state(doc: dict[str, Any]) -> RebuildState:
    rebuild = doc.get("rebuild")
    if isinstance(rebuild, dict):
        rebuild = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in rebuild.items()}
    return RebuildState(
        active=int(doc.get("active", 1)), building=doc.get("building"), rebuild=rebuild
    )

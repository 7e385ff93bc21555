"""Reporting's HTTP API for files: a region's SVG charts and its monthly PDF reports."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Response, status
from pydantic import BaseModel, ConfigDict, Field

from jalon_shared.access import Principal, Role
from jalon_shared.events.envelope import EventMeta, utc_now
from jalon_shared.http import (
    AUTHENTICATED,
    WITH_BODY,
    ApiError,
    ErrorItem,
    answer_405_with_every_method,
    error_responses,
)
from jalon_shared.http_auth import require_roles
from jalon_shared.logging import current_correlation_id
from reporting.adapters.charts import render_chart
from reporting.application.get_report_pdf import get_report_pdf
from reporting.application.list_reports import list_reports
from reporting.application.ports import RegionLabels
from reporting.application.publish_monthly_report import publish_monthly_report
from reporting.application.report_errors import ReportNotFoundError
from reporting.application.report_ports import (
    DashboardSource,
    ReportRenderer,
    ReportStore,
    ReportUnitOfWork,
)
from reporting.domain.charts import ChartName
from reporting.domain.dashboard import Dashboard
from reporting.domain.periods import PeriodError
from reporting.domain.reports import MONTH_PATTERN, ReportMonthError, ReportSummary
from reporting.entrypoints.http import REGION, region_reader
from reporting.entrypoints.query import DashboardQuery, dashboard_query

SERVICE = "reporting"
PDF = "application/pdf"
SVG = "image/svg+xml"
#: A file names aggregated figures of one region: kept by no cache, never sniffed as markup.
FILE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
#: An SVG opened on its own runs nothing and loads nothing; its inline style is matplotlib's.
SVG_HEADERS = {
    **FILE_HEADERS,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}
MONTH_REFUSALS = {
    "format": ("month_format", "not a month key (YYYY-MM, 2000 to 2099)"),
    "future": ("future_month", "a month that has not begun"),
}


class ReportRequest(BaseModel):
    """The month a manager wants a report of; the current month is allowed (« en cours »)."""

    model_config = ConfigDict(extra="forbid")

    month: str = Field(
        pattern=MONTH_PATTERN, description="YYYY-MM, Europe/Paris", examples=["2026-10"]
    )


@dataclass(frozen=True, slots=True)
class ReportDeps:
    """What the chart and report routes need, built by the composition root."""

    dashboards: DashboardSource
    renderer: ReportRenderer
    uow: ReportUnitOfWork
    reports: ReportStore
    labels: RegionLabels
    clock: Callable[[], datetime] = field(default=utc_now)


def event_meta() -> EventMeta:
    """Return the envelope fields for events caused by the current request."""
    return EventMeta(correlation_id=current_correlation_id(), producer=SERVICE)


async def chart_dashboard(
    dashboards: DashboardSource, region: str, query: DashboardQuery
) -> Dashboard:
    """Return the dashboard a chart draws, or a 422 naming `at` for a key of another kind."""
    try:
        return await dashboards.dashboard(region, query.kind, query.key, query.filters)
    except PeriodError as exc:
        raise ApiError(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "invalid period",
            [
                ErrorItem(
                    location="query", field="at", type="period_mismatch", message=f"not a {exc} key"
                )
            ],
        ) from exc


def build_reports_router(deps: ReportDeps) -> APIRouter:
    """Return the chart and report routes bound to their dependencies."""
    router = APIRouter(tags=["reporting"])
    manager = require_roles(Role.MANAGER)

    @router.get(
        "/regions/{region}/charts/{chart}.svg",
        responses={
            **error_responses(*AUTHENTICATED, 422),
            200: {"content": {SVG: {}}, "description": "The chart, as SVG sized by its viewBox"},
        },
        response_class=Response,
    )
    async def region_chart(
        region: Annotated[str, REGION],
        chart: ChartName,
        principal: Annotated[Principal, Depends(manager)],
        query: Annotated[DashboardQuery, Depends(dashboard_query)],
    ) -> Response:
        """Return one chart of the region's period and filters; hidden cells drawn as « masqué »."""
        region_reader(region, principal)
        board = await chart_dashboard(deps.dashboards, region, query)
        svg = await asyncio.to_thread(render_chart, board, chart)
        return Response(svg, media_type=SVG, headers=SVG_HEADERS)

    @router.post(
        "/regions/{region}/reports",
        status_code=status.HTTP_201_CREATED,
        responses=error_responses(*AUTHENTICATED, *WITH_BODY),
    )
    async def create_report(
        region: Annotated[str, REGION],
        principal: Annotated[Principal, Depends(manager)],
        request: Annotated[ReportRequest, Body()],
    ) -> ReportSummary:
        """Render and keep a month's report now (a few seconds); the current month is allowed."""
        region_reader(region, principal)
        try:
            return await publish_monthly_report(
                region,
                request.month,
                dashboards=deps.dashboards,
                renderer=deps.renderer,
                uow=deps.uow,
                labels=deps.labels,
                now=deps.clock(),
                meta=event_meta(),
            )
        except ReportMonthError as exc:
            kind, message = MONTH_REFUSALS[exc.reason]
            raise ApiError(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "invalid month",
                [ErrorItem(location="body", field="month", type=kind, message=message)],
            ) from exc

    @router.get("/regions/{region}/reports", responses=error_responses(*AUTHENTICATED, 422))
    async def region_reports(
        region: Annotated[str, REGION],
        principal: Annotated[Principal, Depends(manager)],
    ) -> list[ReportSummary]:
        """Return the region's reports, newest first."""
        region_reader(region, principal)
        return await list_reports(region, reports=deps.reports)

    @router.get(
        "/regions/{region}/reports/{report_id}.pdf",
        responses={
            **error_responses(*AUTHENTICATED, 404, 422),
            200: {"content": {PDF: {}}, "description": "The report's PDF"},
        },
        response_class=Response,
    )
    async def report_pdf(
        region: Annotated[str, REGION],
        report_id: UUID,
        principal: Annotated[Principal, Depends(manager)],
    ) -> Response:
        """Return one of the region's reports as PDF; another region's is not found."""
        region_reader(region, principal)
        try:
            report = await get_report_pdf(region, report_id, reports=deps.reports)
        except ReportNotFoundError as exc:
            raise ApiError(status.HTTP_404_NOT_FOUND, "report not found") from exc
        name = f"jalon-rapport-{region}-{report.summary.month}.pdf"
        return Response(
            report.pdf,
            media_type=PDF,
            headers={**FILE_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
        )

    answer_405_with_every_method(router)
    return router

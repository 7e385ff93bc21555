"""The monthly schedule: every interval, each region's report of the month just ended, once."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

import structlog

from jalon_shared.events.envelope import EventMeta, utc_now
from reporting.application.ports import RegionLabels
from reporting.application.publish_due_reports import publish_due_reports
from reporting.application.publish_monthly_report import publish_monthly_report
from reporting.application.report_ports import (
    DashboardSource,
    KnownRegions,
    ReportRenderer,
    ReportStore,
    ReportUnitOfWork,
)
from reporting.domain.reports import ReportKind, ReportSummary

log = structlog.get_logger(__name__)

#: How often the schedule looks for reports to publish.
DAY_SECONDS = 24 * 3600.0
#: How long into a month the last month's report waits, for its final events to be counted.
GRACE = timedelta(hours=6)


class MonthlyReportScheduler:
    """Publishes each region's report of the month just ended, checking every interval."""

    # Replicas may all run it: the reports' unique index keeps one scheduled report per region
    # and month, and a replica that loses the race stages no event.

    def __init__(
        self,
        *,
        regions: KnownRegions,
        reports: ReportStore,
        dashboards: DashboardSource,
        renderer: ReportRenderer,
        uow: ReportUnitOfWork,
        labels: RegionLabels,
        producer: str,
        interval: float = DAY_SECONDS,
        grace: timedelta = GRACE,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._regions = regions
        self._reports = reports
        self._dashboards = dashboards
        self._renderer = renderer
        self._uow = uow
        self._labels = labels
        self._producer = producer
        self._interval = interval
        self._grace = grace
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> list[ReportSummary]:
        """Publish the reports due now; return those this pass made."""
        now = self._clock()
        meta = EventMeta(correlation_id=f"report-{secrets.token_hex(8)}", producer=self._producer)
        publish = partial(
            publish_monthly_report,
            dashboards=self._dashboards,
            renderer=self._renderer,
            uow=self._uow,
            labels=self._labels,
            now=now,
            meta=meta,
            kind=ReportKind.MONTHLY,
        )
        return await publish_due_reports(
            regions=self._regions,
            reports=self._reports,
            publish=publish,
            now=now,
            grace=self._grace,
        )

    async def run(self) -> None:
        """Check until cancelled; a failed pass is logged and the next one tries again."""
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("report schedule pass failed")
            await asyncio.sleep(self._interval)

    async def start(self) -> None:
        """Start checking in the background, the first pass at once (an on_startup hook)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name="monthly-report-schedule")

    async def stop(self) -> None:
        """Stop checking; a report being rendered is abandoned before it is kept."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

"""Use case: the schedule publishes every region's report of the month just ended, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import structlog

from reporting.application.report_errors import ReportExistsError
from reporting.application.report_ports import KnownRegions, ReportStore
from reporting.domain.reports import ReportSummary, due_month

log = structlog.get_logger(__name__)

#: Publishes the scheduled report of a region's month (region, month).
Publish = Callable[[str, str], Awaitable[ReportSummary]]


async def publish_due_reports(
    *,
    regions: KnownRegions,
    reports: ReportStore,
    publish: Publish,
    now: datetime,
    grace: timedelta,
) -> list[ReportSummary]:
    """Publish the last month's report of each region that has none yet; return those made."""
    # A region that fails is logged and left for the next pass; the others still get theirs.
    month = due_month(now, grace)
    published: list[ReportSummary] = []
    for region in await regions.regions():
        if await reports.has_monthly(region, month):
            continue
        try:
            published.append(await publish(region, month))
        except ReportExistsError:
            # Another replica kept it first: its report is the month's one.
            log.info("scheduled report already kept", region=region, month=month)
        except Exception as exc:
            log.exception(
                "scheduled report failed", region=region, month=month, error_type=type(exc).__name__
            )
    return published

"""Use case: a month's activity report of a region is rendered, kept and announced."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime
from uuid import uuid4

import structlog

from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.reporting import ReportPublished
from jalon_shared.periods import PeriodKind
from reporting.application.ports import RegionLabels
from reporting.application.report_ports import (
    DashboardSource,
    ReportRenderer,
    ReportTransaction,
    ReportUnitOfWork,
)
from reporting.domain.dashboard import Filters
from reporting.domain.periods import local_date
from reporting.domain.reports import ReportKind, ReportSummary, StoredReport, report_period

log = structlog.get_logger(__name__)


async def publish_monthly_report(
    region: str,
    month: str,
    *,
    dashboards: DashboardSource,
    renderer: ReportRenderer,
    uow: ReportUnitOfWork,
    labels: RegionLabels,
    now: datetime,
    meta: EventMeta,
    kind: ReportKind = ReportKind.ON_DEMAND,
) -> ReportSummary:
    """Render a month's report (the current one too), keep it and stage ReportPublished with it."""
    # Raises ReportMonthError for a month that is no YYYY-MM key or has not begun, and
    # ReportExistsError when the region's scheduled report of the month is already kept.
    chosen = report_period(month, local_date(now))
    dashboard = await dashboards.dashboard(region, PeriodKind.MONTH, chosen.key, Filters())
    region_label, site_labels = await labels.region_labels(region)
    # WeasyPrint takes about a second of CPU: the event loop keeps serving meanwhile.
    rendered = await asyncio.to_thread(
        renderer.render,
        dashboard,
        region_label=region_label,
        site_labels=site_labels,
        generated_at=now,
    )
    summary = ReportSummary(
        report_id=uuid4(),
        region=region,
        month=chosen.key,
        generated_at=now,
        pages=rendered.pages,
        size_bytes=len(rendered.pdf),
    )
    report = StoredReport(
        summary=summary,
        kind=kind,
        sha256=hashlib.sha256(rendered.pdf).hexdigest(),
        pdf=rendered.pdf,
    )

    async def work(tx: ReportTransaction) -> ReportSummary:
        await tx.add_report(report)
        tx.publish(
            ReportPublished(
                report_id=summary.report_id,
                region=region,
                month=summary.month,
                pages=summary.pages,
                size_bytes=summary.size_bytes,
                sha256=report.sha256,
                **meta.envelope(),
            )
        )
        return summary

    stored = await uow.run(work)
    log.info(
        "report published",
        region=region,
        month=stored.month,
        kind=kind.value,
        pages=stored.pages,
        size_bytes=stored.size_bytes,
    )
    return stored

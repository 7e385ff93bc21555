"""Reporting's composition root: the one place its dependencies are built."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
from fastapi import FastAPI
from pydantic import BaseModel

from jalon_shared.auth import ServiceTokens
from jalon_shared.events import topics
from jalon_shared.events.envelope import Event
from jalon_shared.events.intake import RegionRegistered
from jalon_shared.events.reporting import ReportPublished
from jalon_shared.mongo import Session
from jalon_shared.periods import PeriodKind
from jalon_shared.runtime import Infrastructure, create_service_app, serve, verifier_from
from jalon_shared.settings import DEV_PORTS, ServiceSettings, dev_url
from reporting.adapters.history import HttpOutboxHistory
from reporting.adapters.mongo import (
    MongoCounterReader,
    MongoProjection,
    MongoRebuildTarget,
    ReadModelStore,
)
from reporting.adapters.pdf_report import MonthlyReportRenderer
from reporting.adapters.reports_mongo import MongoReports, MongoReportUnitOfWork
from reporting.application.get_dashboard import get_dashboard
from reporting.application.rebuild_read_model import RebuildReport, rebuild_read_model
from reporting.application.upgrade_read_model import upgrade_read_model
from reporting.domain.dashboard import Dashboard, Filters
from reporting.entrypoints.http import build_router
from reporting.entrypoints.report_scheduler import MonthlyReportScheduler
from reporting.entrypoints.reports_http import ReportDeps, build_reports_router

#: Every topic whose events reporting counts (and intake's erasures).
COUNTED_TOPICS = (
    topics.INTAKE_REQUEST,
    topics.INTAKE_CASE,
    topics.INTAKE_BENEFICIARY,
    topics.INTAKE_SURVEY,
    topics.APPOINTMENT,
    topics.SESSION,
    topics.DOCUMENT,
)


class RebuildSettings(BaseModel):
    """Where the producers' outbox histories are read from; JALON_REBUILD__* variables."""

    #: In this order: intake first, so cases come before the facts about them.
    intake_url: str = dev_url("intake")
    appointment_url: str = dev_url("appointment")
    remote_session_url: str = dev_url("remote_session")
    document_signature_url: str = dev_url("document_signature")
    batch: int = 500


class ReportsSettings(BaseModel):
    """The monthly reports' schedule; JALON_REPORTS__* variables."""

    #: How often the schedule looks for a month to report (one query per region).
    schedule_interval_seconds: float = 3600
    #: How long into a month last month's report waits for its final events.
    grace_hours: float = 6


class ReportingSettings(ServiceSettings):
    """Reporting's settings, with its defaults."""

    service_name: str = "reporting"
    http_port: int = DEV_PORTS["reporting"]
    rebuild: RebuildSettings = RebuildSettings()
    reports: ReportsSettings = ReportsSettings()


class Dashboards:
    """DashboardSource over the read model, for the monthly report and the charts."""

    def __init__(self, counters: MongoCounterReader, store: ReadModelStore) -> None:
        self._counters = counters
        self._store = store

    async def dashboard(
        self, region: str, kind: PeriodKind, key: str, filters: Filters
    ) -> Dashboard:
        """Return a region's dashboard."""
        return await get_dashboard(
            region, kind, key, filters, counters=self._counters, labels=self._store
        )


def build_app(settings: ServiceSettings, http: httpx.AsyncClient | None = None) -> FastAPI:
    """Wire reporting's consumers, read model and routes."""
    infra = Infrastructure.build(settings)
    # Tests and other services' suites build the app from plain settings, with no sections.
    own = settings if isinstance(settings, ReportingSettings) else None
    options = own.rebuild if own else RebuildSettings()
    schedule = own.reports if own else ReportsSettings()
    store = ReadModelStore(infra.client, infra.database)
    counters = MongoCounterReader(store)
    closing: list[Callable[[], Awaitable[None]]] = []
    if http is None:
        http = httpx.AsyncClient(timeout=30)
        closing.append(http.aclose)
    tokens = ServiceTokens(
        settings.auth.service_private_key(),
        service=settings.service_name,
        audience=settings.auth.audience,
    )
    client = http

    async def rebuild() -> RebuildReport | None:
        generation = await store.begin_rebuild()
        if generation is None:
            return None
        sources = [
            HttpOutboxHistory("intake", client, options.intake_url, tokens),
            HttpOutboxHistory("appointment", client, options.appointment_url, tokens),
            HttpOutboxHistory("remote_session", client, options.remote_session_url, tokens),
            HttpOutboxHistory("document_signature", client, options.document_signature_url, tokens),
        ]
        return await rebuild_read_model(
            sources, MongoRebuildTarget(store, generation), batch=options.batch
        )

    infra.consume_batches(
        f"{settings.service_name}.read-model",
        COUNTED_TOPICS,
        lambda session: MongoProjection(store, session),
    )

    async def on_reference(event: Event, session: Session) -> None:
        if isinstance(event, RegionRegistered):
            await store.save_region_label(
                event.region, event.label, {s.code: s.label for s in event.sites}
            )

    infra.consume(f"{settings.service_name}.reference", [topics.INTAKE_STAFF], on_reference)
    infra.document_publications({topics.REPORTING: [ReportPublished]})
    reports = MongoReports(infra.database)
    dashboards = Dashboards(counters, store)
    report_deps = ReportDeps(
        dashboards=dashboards,
        renderer=MonthlyReportRenderer(),
        uow=MongoReportUnitOfWork(infra.client, reports, infra.outbox, infra.relay),
        reports=reports,
        labels=store,
    )
    scheduler = MonthlyReportScheduler(
        regions=store,
        reports=reports,
        dashboards=dashboards,
        renderer=report_deps.renderer,
        uow=report_deps.uow,
        labels=store,
        producer=settings.service_name,
        interval=schedule.schedule_interval_seconds,
        grace=timedelta(hours=schedule.grace_hours),
    )
    return create_service_app(
        infra,
        title="Jalon reporting",
        description=(
            "Read models built only from events; regional indicators, CSV, charts and monthly"
            " reports, small cells suppressed."
        ),
        routers=[build_router(counters, store, rebuild), build_reports_router(report_deps)],
        verifier=verifier_from(settings),
        on_startup=[store.ensure_indexes, reports.ensure_indexes],
        on_shutdown=closing,
        background=[scheduler.run, lambda: upgrade_read_model(store.outdated, rebuild)],
    )


def main() -> None:
    """Run reporting."""
    serve(build_app, ReportingSettings())

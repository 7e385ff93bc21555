"""Monthly reports: publishing with its event, the schedule, and the chart and report routes."""

from __future__ import annotations

import asyncio
import threading
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI

from jalon_shared.access import Role
from jalon_shared.auth import TokenVerifier
from jalon_shared.events.envelope import Event, EventMeta
from jalon_shared.events.reporting import ReportPublished
from jalon_shared.http import install_common
from jalon_shared.periods import PeriodKind
from reporting.application.get_report_pdf import get_report_pdf
from reporting.application.list_reports import list_reports
from reporting.application.publish_due_reports import publish_due_reports
from reporting.application.publish_monthly_report import publish_monthly_report
from reporting.application.report_errors import ReportExistsError, ReportNotFoundError
from reporting.application.report_ports import RenderedReport, ReportTransaction
from reporting.domain.charts import CHART_TITLES, ChartName
from reporting.domain.dashboard import Dashboard, Filters
from reporting.domain.periods import period, previous
from reporting.domain.reports import (
    ReportKind,
    ReportMonthError,
    ReportSummary,
    StoredReport,
    due_month,
    previous_month,
    report_period,
)
from reporting.entrypoints.report_scheduler import MonthlyReportScheduler
from reporting.entrypoints.reports_http import ReportDeps, build_reports_router
from tests.support import AUDIENCE, ISSUER, Keys
from tests.unit.reporting_samples import SITE_LABELS, sample_dashboard

T = TypeVar("T")
#: 20 November 2026, 11:00 in Paris.
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
META = EventMeta(correlation_id="test-correlation", producer="reporting")


class Dashboards:
    """DashboardSource: the sample dashboard moved to the period asked for."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, PeriodKind, str, Filters]] = []

    async def dashboard(
        self, region: str, kind: PeriodKind, key: str, filters: Filters
    ) -> Dashboard:
        self.asked.append((region, kind, key, filters))
        shown = period(kind, key)
        return sample_dashboard(
            region=region, period=shown, previous=previous(shown), filters=filters
        )


class Renderer:
    """ReportRenderer: a small fake PDF, noting the thread it was called on."""

    def __init__(self, delay: float = 0.0) -> None:
        self.threads: list[str] = []
        self.delay = delay

    def render(
        self,
        dashboard: Dashboard,
        *,
        region_label: str,
        site_labels: dict[str, str],
        generated_at: datetime,
    ) -> RenderedReport:
        self.threads.append(threading.current_thread().name)
        if self.delay:
            threading.Event().wait(self.delay)
        body = f"%PDF-1.7 {dashboard.region} {dashboard.period.key} {region_label}".encode()
        return RenderedReport(pdf=body, pages=3)


class Labels:
    """RegionLabels from reference data."""

    async def region_labels(self, region: str) -> tuple[str, dict[str, str]]:
        return region.capitalize(), dict(SITE_LABELS)


class Store:
    """ReportStore and the committed state, with the one-scheduled-report-per-month rule."""

    def __init__(self) -> None:
        self.kept: dict[UUID, StoredReport] = {}
        self.outbox: list[Event] = []

    def taken(self, report: StoredReport) -> bool:
        return report.kind is ReportKind.MONTHLY and any(
            r.kind is ReportKind.MONTHLY
            and r.summary.region == report.summary.region
            and r.summary.month == report.summary.month
            for r in self.kept.values()
        )

    async def of_region(self, region: str) -> list[ReportSummary]:
        found = [r.summary for r in self.kept.values() if r.summary.region == region]
        return sorted(found, key=lambda s: s.generated_at, reverse=True)

    async def pdf(self, region: str, report_id: UUID) -> StoredReport | None:
        report = self.kept.get(report_id)
        return report if report is not None and report.summary.region == region else None

    async def has_monthly(self, region: str, month: str) -> bool:
        return any(
            r.kind is ReportKind.MONTHLY and r.summary.region == region and r.summary.month == month
            for r in self.kept.values()
        )


class Transaction:
    """ReportTransaction over the store: writes land only when the unit of work commits."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.events: list[Event] = []
        self.added: list[StoredReport] = []

    async def add_report(self, report: StoredReport) -> None:
        if self.store.taken(report):
            raise ReportExistsError(report.summary.month)
        self.added.append(report)

    def publish(self, *events: Event) -> None:
        self.events.extend(events)


class UnitOfWork:
    """Runs work in one transaction; the report and its events commit together, or neither."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.committed: list[Transaction] = []

    async def run(self, work: Callable[[ReportTransaction], Awaitable[T]]) -> T:
        tx = Transaction(self.store)
        result = await work(tx)
        for report in tx.added:
            self.store.kept[report.summary.report_id] = report
        self.store.outbox.extend(tx.events)
        self.committed.append(tx)
        return result


class Regions:
    """KnownRegions."""

    def __init__(self, *names: str) -> None:
        self.names = list(names)

    async def regions(self) -> list[str]:
        return list(self.names)


async def publish(
    store: Store,
    region: str = "bretagne",
    month: str = "2026-10",
    *,
    uow: UnitOfWork | None = None,
    renderer: Renderer | None = None,
    dashboards: Dashboards | None = None,
    kind: ReportKind = ReportKind.ON_DEMAND,
) -> ReportSummary:
    return await publish_monthly_report(
        region,
        month,
        dashboards=dashboards or Dashboards(),
        renderer=renderer or Renderer(),
        uow=uow or UnitOfWork(store),
        labels=Labels(),
        now=NOW,
        meta=META,
        kind=kind,
    )


# Use cases ------------------------------------------------------------------------------------


async def test_the_report_is_kept_and_announced_in_one_transaction() -> None:
    store = Store()
    uow = UnitOfWork(store)
    renderer = Renderer()
    dashboards = Dashboards()
    summary = await publish(store, uow=uow, renderer=renderer, dashboards=dashboards)
    assert dashboards.asked == [("bretagne", PeriodKind.MONTH, "2026-10", Filters())]
    # The renderer ran in a worker thread, not on the event loop's.
    [thread] = renderer.threads
    assert thread != threading.current_thread().name
    [tx] = uow.committed
    [kept] = tx.added
    [event] = tx.events
    assert isinstance(event, ReportPublished)
    assert kept.summary == summary
    assert kept.kind is ReportKind.ON_DEMAND
    assert kept.pdf.startswith(b"%PDF")
    assert (event.report_id, event.region, event.month) == (
        summary.report_id,
        "bretagne",
        "2026-10",
    )
    assert (event.pages, event.size_bytes, event.sha256) == (3, len(kept.pdf), kept.sha256)
    assert event.correlation_id == "test-correlation"
    assert summary.generated_at == NOW
    assert summary.size_bytes == len(kept.pdf)
    assert store.outbox == [event]


async def test_a_second_scheduled_report_of_a_month_is_refused_and_announces_nothing() -> None:
    store = Store()
    await publish(store, month="2026-09", kind=ReportKind.MONTHLY)
    before = list(store.outbox)
    with pytest.raises(ReportExistsError):
        await publish(store, month="2026-09", kind=ReportKind.MONTHLY)
    assert store.outbox == before
    assert len(store.kept) == 1


@pytest.mark.parametrize(
    ("month", "reason"),
    [
        ("2026-13", "format"),
        ("26-10", "format"),
        ("0000-01", "format"),
        ("9999-12", "format"),
        ("2026-12", "future"),
    ],
)
async def test_a_bad_or_future_month_is_refused(month: str, reason: str) -> None:
    store = Store()
    with pytest.raises(ReportMonthError) as refused:
        await publish(store, month=month)
    assert refused.value.reason == reason
    assert store.kept == {}


async def test_the_current_month_may_be_reported() -> None:
    summary = await publish(Store(), month="2026-11")
    assert summary.month == "2026-11"


async def test_another_regions_report_is_not_found() -> None:
    store = Store()
    theirs = await publish(store, region="normandie")
    ours = await publish(store, region="bretagne")
    assert [s.report_id for s in await list_reports("bretagne", reports=store)] == [ours.report_id]
    with pytest.raises(ReportNotFoundError):
        await get_report_pdf("bretagne", theirs.report_id, reports=store)
    with pytest.raises(ReportNotFoundError):
        await get_report_pdf("bretagne", uuid4(), reports=store)
    found = await get_report_pdf("normandie", theirs.report_id, reports=store)
    assert found.summary == theirs


def test_months_and_their_schedule() -> None:
    assert report_period("2026-11", NOW.date()).label == "novembre 2026"
    assert previous_month(datetime(2027, 1, 3).date()) == "2026-12"
    grace = timedelta(hours=6)
    # 1 November, 04:00 in Paris: October's last events may still be on their way.
    assert due_month(datetime(2026, 11, 1, 3, 0, tzinfo=UTC), grace) == "2026-09"
    assert due_month(datetime(2026, 11, 1, 6, 0, tzinfo=UTC), grace) == "2026-10"


# The schedule ---------------------------------------------------------------------------------


def scheduler(
    store: Store, regions: Regions, renderer: Renderer, clock: datetime
) -> MonthlyReportScheduler:
    return MonthlyReportScheduler(
        regions=regions,
        reports=store,
        dashboards=Dashboards(),
        renderer=renderer,
        uow=UnitOfWork(store),
        labels=Labels(),
        producer="reporting",
        interval=3600,
        clock=lambda: clock,
    )


async def test_two_replicas_publish_each_regions_month_once() -> None:
    store = Store()
    regions = Regions("bretagne", "normandie")
    # Both replicas render at once: the first to keep its report wins, the other stages nothing.
    first = scheduler(store, regions, Renderer(delay=0.05), NOW)
    second = scheduler(store, regions, Renderer(delay=0.05), NOW)
    made = await asyncio.gather(first.run_once(), second.run_once())
    assert sum(len(m) for m in made) == 2
    kept = sorted((r.summary.region, r.summary.month, r.kind) for r in store.kept.values())
    assert kept == [
        ("bretagne", "2026-10", ReportKind.MONTHLY),
        ("normandie", "2026-10", ReportKind.MONTHLY),
    ]
    assert sorted(e.region for e in store.outbox if isinstance(e, ReportPublished)) == [
        "bretagne",
        "normandie",
    ]
    # A later pass in the same month finds them kept and renders nothing.
    again = Renderer()
    assert await scheduler(store, regions, again, NOW + timedelta(days=1)).run_once() == []
    assert again.threads == []
    # Manual reports of the same month are not deduplicated.
    await publish(store, month="2026-10")
    await publish(store, month="2026-10")
    assert len(await list_reports("bretagne", reports=store)) == 3


async def test_a_failing_region_does_not_stop_the_others() -> None:
    store = Store()

    async def flaky(region: str, month: str) -> ReportSummary:
        if region == "corse":
            raise RuntimeError("renderer crashed")
        return await publish(store, region=region, month=month, kind=ReportKind.MONTHLY)

    made = await publish_due_reports(
        regions=Regions("corse", "bretagne"),
        reports=store,
        publish=flaky,
        now=NOW,
        grace=timedelta(hours=6),
    )
    assert [s.region for s in made] == ["bretagne"]


async def test_the_schedule_starts_and_stops() -> None:
    store = Store()
    job = scheduler(store, Regions("bretagne"), Renderer(), NOW)
    await job.start()
    for _ in range(100):
        if store.kept:
            break
        await asyncio.sleep(0.01)
    await job.stop()
    assert [r.summary.month for r in store.kept.values()] == ["2026-10"]
    await job.stop()


# Routes ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys.generate()


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
async def http(keys: Keys, store: Store) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_common(app, json_api=True)
    app.state.token_verifier = TokenVerifier(
        keys.public_pem,
        issuer=ISSUER,
        audience=AUDIENCE,
        service_public_key_pem=keys.service_public_pem,
    )
    deps = ReportDeps(
        dashboards=Dashboards(),
        renderer=Renderer(),
        uow=UnitOfWork(store),
        reports=store,
        labels=Labels(),
        clock=lambda: NOW,
    )
    app.include_router(build_reports_router(deps))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_the_chart_route_answers_svg_to_the_regions_manager_only(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    path = "/regions/bretagne/charts/modalities.svg?at=2026-10&site=brest"
    manager = keys.headers("m", Role.MANAGER, region="bretagne")
    answer = await http.get(path, headers=manager)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert answer.headers["cache-control"] == "no-store"
    root = ET.fromstring(answer.content)  # noqa: S314 - the service's own output
    assert root.findtext("{http://www.w3.org/2000/svg}title") == CHART_TITLES[ChartName.MODALITIES]
    assert (await http.get(path)).status_code == 401
    stranger = keys.headers("n", Role.MANAGER, region="normandie")
    assert (await http.get(path, headers=stranger)).status_code == 403
    counsellor = keys.headers("c", Role.COUNSELLOR, region="bretagne")
    assert (await http.get(path, headers=counsellor)).status_code == 403


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/regions/bretagne/charts/activity.svg?period=week&at=2026-11", "at"),
        ("/regions/bretagne/charts/activity.svg?at=2026-13", "at"),
        ("/regions/bretagne/charts/activity.svg?site=Rennes%20Centre", "site"),
        ("/regions/bretagne/charts/activity.svg?csp=astronaut", "csp"),
        ("/regions/bretagne/charts/pie.svg", "chart"),
    ],
)
async def test_bad_chart_queries_get_a_422_naming_the_field_only(
    http: httpx.AsyncClient, keys: Keys, path: str, field: str
) -> None:
    manager = keys.headers("m", Role.MANAGER, region="bretagne")
    answer = await http.get(path, headers=manager)
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    for value in ("2026-13", "Rennes", "astronaut", "pie"):
        assert value not in answer.text


async def test_a_manager_generates_lists_and_downloads_their_reports(
    http: httpx.AsyncClient, keys: Keys, store: Store
) -> None:
    manager = keys.headers("m", Role.MANAGER, region="bretagne")
    created = await http.post(
        "/regions/bretagne/reports", json={"month": "2026-10"}, headers=manager
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == {"report_id", "region", "month", "generated_at", "pages", "size_bytes"}
    assert (body["region"], body["month"], body["pages"]) == ("bretagne", "2026-10", 3)
    assert body["generated_at"].startswith("2026-11-20T10:00:00")
    [event] = store.outbox
    assert isinstance(event, ReportPublished)
    assert str(event.report_id) == body["report_id"]
    listed = await http.get("/regions/bretagne/reports", headers=manager)
    assert listed.status_code == 200
    assert [r["report_id"] for r in listed.json()] == [body["report_id"]]
    pdf = await http.get(f"/regions/bretagne/reports/{body['report_id']}.pdf", headers=manager)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == (
        'attachment; filename="jalon-rapport-bretagne-2026-10.pdf"'
    )
    assert pdf.content.startswith(b"%PDF")
    assert len(pdf.content) == body["size_bytes"]


async def test_report_routes_refuse_strangers_and_other_regions(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    ours = keys.headers("m", Role.MANAGER, region="bretagne")
    theirs = keys.headers("n", Role.MANAGER, region="normandie")
    made = await http.post("/regions/normandie/reports", json={"month": "2026-10"}, headers=theirs)
    assert made.status_code == 201
    report_id = made.json()["report_id"]
    # Their report, asked for under our region, does not exist for us.
    missing = await http.get(f"/regions/bretagne/reports/{report_id}.pdf", headers=ours)
    assert missing.status_code == 404
    for method, path in (
        ("POST", "/regions/normandie/reports"),
        ("GET", "/regions/normandie/reports"),
        ("GET", f"/regions/normandie/reports/{report_id}.pdf"),
    ):
        payload = {"month": "2026-10"} if method == "POST" else None
        assert (await http.request(method, path, json=payload)).status_code == 401
        refused = await http.request(method, path, json=payload, headers=ours)
        assert refused.status_code == 403, path
    counsellor = keys.headers("c", Role.COUNSELLOR, region="normandie")
    assert (await http.get("/regions/normandie/reports", headers=counsellor)).status_code == 403
    assert (await http.get("/regions/bretagne/reports", headers=ours)).json() == []


@pytest.mark.parametrize(
    ("month", "kind"),
    [
        ("2026-13", "string_pattern_mismatch"),
        ("1999-12", "string_pattern_mismatch"),
        ("2026-12", "future_month"),
    ],
)
async def test_a_bad_month_gets_a_422_naming_the_field(
    http: httpx.AsyncClient, keys: Keys, month: str, kind: str
) -> None:
    manager = keys.headers("m", Role.MANAGER, region="bretagne")
    answer = await http.post("/regions/bretagne/reports", json={"month": month}, headers=manager)
    assert answer.status_code == 422
    [error] = answer.json()["errors"]
    assert (error["location"], error["field"], error["type"]) == ("body", "month", kind)
    assert month not in answer.text


async def test_a_malformed_report_id_gets_a_422(http: httpx.AsyncClient, keys: Keys) -> None:
    manager = keys.headers("m", Role.MANAGER, region="bretagne")
    answer = await http.get("/regions/bretagne/reports/not-an-id.pdf", headers=manager)
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["report_id"]

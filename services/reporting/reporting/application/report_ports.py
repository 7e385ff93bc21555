"""What the report use cases need: dashboards, the PDF renderer, the report store, the regions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

from jalon_shared.events.envelope import Event
from jalon_shared.periods import PeriodKind
from reporting.domain.dashboard import Dashboard, Filters
from reporting.domain.reports import ReportSummary, StoredReport

T = TypeVar("T")


class DashboardSource(Protocol):
    """A region's dashboard of a period, with filters (the read model behind get_dashboard)."""

    async def dashboard(
        self, region: str, kind: PeriodKind, key: str, filters: Filters
    ) -> Dashboard: ...


@dataclass(frozen=True, slots=True)
class RenderedReport:
    """A report's PDF and how many pages it has."""

    pdf: bytes
    pages: int


class ReportRenderer(Protocol):
    """Renders a month's dashboard to the report's PDF; CPU-bound, called off the event loop."""

    def render(
        self,
        dashboard: Dashboard,
        *,
        region_label: str,
        site_labels: dict[str, str],
        generated_at: datetime,
    ) -> RenderedReport: ...


class ReportTransaction(Protocol):
    """Writes inside one MongoDB transaction; its events commit with it."""

    events: list[Event]

    async def add_report(self, report: StoredReport) -> None:
        """Keep a report; ReportExistsError for a region's second scheduled one of a month."""

    def publish(self, *events: Event) -> None: ...


class ReportUnitOfWork(Protocol):
    """Runs work in one transaction, the outbox's events included, all or nothing."""

    async def run(self, work: Callable[[ReportTransaction], Awaitable[T]]) -> T: ...


class ReportStore(Protocol):
    """Reads of the kept reports, outside transactions."""

    async def of_region(self, region: str) -> list[ReportSummary]:
        """Return a region's reports, newest first."""

    async def pdf(self, region: str, report_id: UUID) -> StoredReport | None:
        """Return one of a region's reports with its PDF, or None (unknown, or another region's)."""

    async def has_monthly(self, region: str, month: str) -> bool:
        """Return whether the region's scheduled report of a month is kept."""


class KnownRegions(Protocol):
    """The regions reporting knows of (from intake's reference events)."""

    async def regions(self) -> list[str]: ...

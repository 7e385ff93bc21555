"""The reports collection on the embedded MongoDB: one scheduled report per month, event with it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from jalon_shared.events.reporting import ReportPublished
from jalon_shared.messaging.outbox import Outbox, OutboxRelay
from jalon_shared.mongo import Client
from reporting.adapters.reports_mongo import MongoReports, MongoReportUnitOfWork
from reporting.application.report_errors import ReportExistsError
from reporting.application.report_ports import ReportTransaction
from reporting.domain.reports import ReportKind, ReportSummary, StoredReport

GENERATED = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


class Relay(OutboxRelay):
    """A relay that is never started: it counts the commits that would wake it."""

    def __init__(self, outbox: Outbox) -> None:
        super().__init__(outbox.collection, publisher=None)  # type: ignore[arg-type]
        self.woken = 0

    def notify(self) -> None:
        """Count a wake-up."""
        self.woken += 1


def report(kind: ReportKind, *, region: str = "bretagne", minutes: int = 0) -> StoredReport:
    summary = ReportSummary(
        report_id=uuid.uuid4(),
        region=region,
        month="2026-10",
        generated_at=GENERATED + timedelta(minutes=minutes),
        pages=7,
        size_bytes=9,
    )
    return StoredReport(summary=summary, kind=kind, sha256="a" * 64, pdf=b"%PDF-1.7\x00\xff")


async def test_reports_keep_their_pdf_and_one_scheduled_report_per_month(
    mongo_client: Client,
) -> None:
    database = mongo_client[f"t_reports_{uuid.uuid4().hex[:8]}"]
    reports = MongoReports(database)
    await reports.ensure_indexes()
    outbox = Outbox(database)
    await outbox.ensure_indexes()
    relay = Relay(outbox)
    uow = MongoReportUnitOfWork(mongo_client, reports, outbox, relay)

    async def keep(stored: StoredReport) -> ReportSummary:
        async def work(tx: ReportTransaction) -> ReportSummary:
            await tx.add_report(stored)
            tx.publish(
                ReportPublished(
                    report_id=stored.summary.report_id,
                    region=stored.summary.region,
                    month=stored.summary.month,
                    pages=stored.summary.pages,
                    size_bytes=stored.summary.size_bytes,
                    sha256=stored.sha256,
                    correlation_id="test",
                    producer="reporting",
                )
            )
            return stored.summary

        return await uow.run(work)

    scheduled = report(ReportKind.MONTHLY)
    await keep(scheduled)
    await keep(report(ReportKind.ON_DEMAND, minutes=5))
    await keep(report(ReportKind.ON_DEMAND, minutes=10))
    await keep(report(ReportKind.MONTHLY, region="normandie"))
    with pytest.raises(ReportExistsError):
        await keep(report(ReportKind.MONTHLY, minutes=20))
    # The refused report's event went nowhere: only the kept ones are in the outbox.
    assert await outbox.collection.count_documents({}) == 4
    assert relay.woken == 4
    listed = await reports.of_region("bretagne")
    assert [s.generated_at for s in listed] == [
        GENERATED + timedelta(minutes=10),
        GENERATED + timedelta(minutes=5),
        GENERATED,
    ]
    assert await reports.has_monthly("bretagne", "2026-10")
    assert not await reports.has_monthly("bretagne", "2026-09")
    found = await reports.pdf("bretagne", scheduled.summary.report_id)
    assert found == scheduled
    assert await reports.pdf("normandie", scheduled.summary.report_id) is None

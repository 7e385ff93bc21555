"""The kept monthly reports in MongoDB: one document per report, the PDF's bytes in it."""
# A report's PDF is about a hundred kilobytes, far under MongoDB's 16 MB document limit, so it
# sits in the report's document rather than in GridFS (which takes no transactions): one insert,
# in the transaction that stages its ReportPublished event, keeps the file and the event together.

from __future__ import annotations

from typing import Any
from uuid import UUID

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from jalon_shared.messaging.outbox import Outbox, OutboxRelay
from jalon_shared.messaging.unit_of_work import EventStaging, OutboxUnitOfWork
from jalon_shared.mongo import Client, Collection, Database, Session
from reporting.application.report_errors import ReportExistsError
from reporting.domain.reports import ReportKind, ReportSummary, StoredReport

REPORTS = "reports"
#: At most this many reports are listed: a region's few years of months and a few extra.
LIST_LIMIT = 200
#: Everything but the PDF: what a list reads.
SUMMARY_FIELDS = {"pdf": 0}


class MongoReports:
    """Reads of the reports collection, and its indexes."""

    def __init__(self, database: Database) -> None:
        self.collection: Collection = database[REPORTS]

    async def ensure_indexes(self) -> None:
        """Create the list's index and the one scheduled report per region and month."""
        await self.collection.create_index(
            [("region", ASCENDING), ("generated_at", DESCENDING)], name="region_newest"
        )
        # Two replicas' schedules may both render a month: only the first insert is kept.
        await self.collection.create_index(
            [("region", ASCENDING), ("month", ASCENDING), ("kind", ASCENDING)],
            name="one_monthly_per_region_month",
            unique=True,
            partialFilterExpression={"kind": ReportKind.MONTHLY.value},
        )

    async def of_region(self, region: str) -> list[ReportSummary]:
        """Return a region's reports, newest first."""
        cursor = (
            self.collection.find({"region": region}, projection=SUMMARY_FIELDS)
            .sort([("generated_at", DESCENDING), ("_id", ASCENDING)])
            .limit(LIST_LIMIT)
        )
        return [summary_from_doc(doc) async for doc in cursor]

    async def pdf(self, region: str, report_id: UUID) -> StoredReport | None:
        """Return one of a region's reports with its PDF; None for another region's."""
        doc = await self.collection.find_one({"_id": report_id, "region": region})
        return None if doc is None else report_from_doc(doc)

    async def has_monthly(self, region: str, month: str) -> bool:
        """Return whether the region's scheduled report of a month is kept."""
        found = await self.collection.find_one(
            {"region": region, "month": month, "kind": ReportKind.MONTHLY.value},
            projection={"_id": 1},
        )
        return found is not None


def report_to_doc(report: StoredReport) -> dict[str, Any]:
    """Return a report's stored form."""
    summary = report.summary
    return {
        "_id": summary.report_id,
        "region": summary.region,
        "month": summary.month,
        "kind": report.kind.value,
        "generated_at": summary.generated_at,
        "pages": summary.pages,
        "size_bytes": summary.size_bytes,
        "sha256": report.sha256,
        "pdf": report.pdf,
    }


def summary_from_doc(doc: dict[str, Any]) -> ReportSummary:
    """Return a report's summary from its stored form."""
    return ReportSummary(
        report_id=doc["_id"],
        region=doc["region"],
        month=doc["month"],
        generated_at=doc["generated_at"],
        pages=doc["pages"],
        size_bytes=doc["size_bytes"],
    )


def report_from_doc(doc: dict[str, Any]) -> StoredReport:
    """Return a report, PDF included, from its stored form."""
    return StoredReport(
        summary=summary_from_doc(doc),
        kind=ReportKind(doc["kind"]),
        sha256=doc["sha256"],
        pdf=bytes(doc["pdf"]),
    )


class MongoReportTransaction(EventStaging):
    """A report's insert; its events are staged in the outbox in the same transaction."""

    def __init__(self, reports: MongoReports, session: Session) -> None:
        super().__init__()
        self._reports = reports
        self._session = session

    async def add_report(self, report: StoredReport) -> None:
        """Insert a report; ReportExistsError when the region's month already has its own."""
        try:
            await self._reports.collection.insert_one(report_to_doc(report), session=self._session)
        except DuplicateKeyError as exc:
            if exc.has_error_label("TransientTransactionError"):
                # A concurrent insert's conflict: the transaction is retried, then decides.
                raise
            raise ReportExistsError(report.summary.month) from exc


class MongoReportUnitOfWork(OutboxUnitOfWork[MongoReportTransaction]):
    """Runs the report's insert and its event in one MongoDB transaction."""

    def __init__(
        self, client: Client, reports: MongoReports, outbox: Outbox, relay: OutboxRelay
    ) -> None:
        super().__init__(
            client, lambda session: MongoReportTransaction(reports, session), outbox, relay
        )

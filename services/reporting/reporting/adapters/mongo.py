"""MongoDB adapter for reporting: anonymous fact collections and their aggregations."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pymongo import ASCENDING, UpdateOne

from jalon_shared.mongo import Collection, Database, Session
from reporting.domain.activity import RegionCounts

REQUEST_FACTS = "request_facts"
CASE_FACTS = "case_facts"


class ReportingCollections:
    """Reporting's collections; they hold no personal data, only categories and dates."""

    def __init__(self, database: Database) -> None:
        self.requests: Collection = database[REQUEST_FACTS]
        self.cases: Collection = database[CASE_FACTS]

    async def ensure_indexes(self) -> None:
        """Create the indexes the region queries use."""
        await self.requests.create_index([("region", ASCENDING), ("site", ASCENDING)])
        await self.cases.create_index([("region", ASCENDING), ("status", ASCENDING)])


class MongoReadModelFacts:
    """ReadModelFacts: every fact collection of reporting."""

    def __init__(self, collections: ReportingCollections) -> None:
        self._c = collections

    async def clear(self) -> int:
        """Delete every fact; return how many were removed."""
        removed = 0
        for collection in (self._c.requests, self._c.cases):
            removed += (await collection.delete_many({})).deleted_count
        return removed


class MongoReadModel:
    """ReadModel buffering a batch's writes, flushed as one bulk write per collection."""

    def __init__(self, collections: ReportingCollections, session: Session) -> None:
        self._c = collections
        self._s = session
        self._requests: list[UpdateOne] = []
        self._cases: list[UpdateOne] = []

    async def flush(self) -> None:
        """Send the buffered writes, in order, inside the consumer's transaction."""
        for collection, ops in ((self._c.requests, self._requests), (self._c.cases, self._cases)):
            if ops:
                await collection.bulk_write(ops, ordered=True, session=self._s)
                ops.clear()

    async def record_request(
        self,
        request_id: UUID,
        *,
        region: str,
        site: str,
        csp: str,
        service_level: str,
        modalities: list[str],
        duplicate: bool,
        at: datetime,
    ) -> None:
        """Upsert the facts of one request."""
        self._requests.append(
            UpdateOne(
                {"_id": request_id},
                {
                    "$set": {
                        "region": region,
                        "site": site,
                        "csp": csp,
                        "service_level": service_level,
                        "modalities": modalities,
                        "duplicate": duplicate,
                        "submitted_at": at,
                    }
                },
                upsert=True,
            )
        )

    async def record_case_opened(
        self,
        case_id: UUID,
        *,
        region: str,
        site: str,
        csp: str,
        service_level: str,
        assigned: bool,
        at: datetime,
    ) -> None:
        """Upsert the facts of one opened case."""
        self._cases.append(
            UpdateOne(
                {"_id": case_id},
                {
                    "$set": {
                        "region": region,
                        "site": site,
                        "csp": csp,
                        "service_level": service_level,
                        "assigned": assigned,
                        "opened_at": at,
                    },
                    "$setOnInsert": {"status": "open"},
                },
                upsert=True,
            )
        )

    async def record_case_closed(
        self, case_id: UUID, *, reason: str, path_days: int, at: datetime
    ) -> None:
        """Mark a case closed with its path duration."""
        self._cases.append(
            UpdateOne(
                {"_id": case_id},
                {
                    "$set": {
                        "status": "closed",
                        "close_reason": reason,
                        "path_days": path_days,
                        "closed_at": at,
                    }
                },
                upsert=True,
            )
        )

    async def record_level_changed(self, case_id: UUID, *, service_level: str) -> None:
        """Move a case to its new service level."""
        self._cases.append(UpdateOne({"_id": case_id}, {"$set": {"service_level": service_level}}))


class MongoActivityQueries:
    """ActivityQueries by aggregation over the fact collections."""

    def __init__(self, collections: ReportingCollections) -> None:
        self._c = collections

    async def _group(
        self, collection: Collection, match: dict[str, Any], key: str
    ) -> dict[str, int]:
        pipeline: list[dict[str, Any]] = [
            {"$match": match},
            {"$group": {"_id": f"${key}", "n": {"$sum": 1}}},
        ]
        cursor = await collection.aggregate(pipeline)
        return {str(doc["_id"]): int(doc["n"]) async for doc in cursor}

    async def region_counts(self, region: str) -> RegionCounts:
        """Return the region's raw counts."""
        by_site = await self._group(self._c.requests, {"region": region}, "site")
        by_csp = await self._group(self._c.requests, {"region": region}, "csp")
        by_status = await self._group(self._c.cases, {"region": region}, "status")
        by_level = await self._group(self._c.cases, {"region": region}, "service_level")
        return RegionCounts(
            region=region,
            requests=sum(by_site.values()),
            cases_opened=sum(by_status.values()),
            cases_closed=by_status.get("closed", 0),
            requests_by_site=by_site,
            requests_by_csp=by_csp,
            cases_by_level=by_level,
        )

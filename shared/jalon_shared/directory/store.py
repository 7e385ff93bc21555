"""The directory copy in a service's MongoDB database, and how intake's events fold into it."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import structlog

from jalon_shared.access import Principal
from jalon_shared.directory.model import CaseEntry, can_access_case, erasure_digest
from jalon_shared.events.envelope import Event, utc_now
from jalon_shared.events.intake import (
    BeneficiaryErased,
    CaseClosed,
    CaseOpened,
    CaseReassigned,
    CounsellorRegistered,
    CounsellorUpdated,
    RegionRegistered,
)
from jalon_shared.mongo import Collection, Database, Session
from jalon_shared.places import PlaceProblem, Region, place_problem
from jalon_shared.retention import CLOSED_CASE_RETENTION

log = structlog.get_logger(__name__)

COUNSELLORS = "directory_counsellors"
CASES = "directory_cases"
ERASURES = "directory_erasures"
REGIONS = "directory_regions"


class Directory:
    """The directory collections of one service's database."""

    def __init__(self, database: Database, *, erasure_memory: timedelta) -> None:
        self.counsellors: Collection = database[COUNSELLORS]
        self.cases: Collection = database[CASES]
        self.erasures: Collection = database[ERASURES]
        self.regions: Collection = database[REGIONS]
        self._erasure_memory = erasure_memory

    async def ensure_indexes(self) -> None:
        """Create the indexes lookups and erasure use, and the retention clocks."""
        await self.cases.create_index("beneficiary_id")
        await self.cases.create_index("counsellor_id")
        await self.cases.create_index("region")
        await self.cases.create_index(
            "closed_at", expireAfterSeconds=int(CLOSED_CASE_RETENTION.total_seconds())
        )
        await self.counsellors.create_index("region")
        await self.regions.create_index("sites.code")
        await self.erasures.create_index(
            "erased_at", expireAfterSeconds=int(self._erasure_memory.total_seconds())
        )

    async def case(self, case_id: UUID) -> CaseEntry | None:
        """Return the local copy of a case's ownership."""
        doc = await self.cases.find_one({"_id": case_id})
        if doc is None:
            return None
        return CaseEntry.model_validate({**doc, "case_id": doc["_id"]})

    async def can_access_case(self, principal: Principal, case_id: UUID) -> bool:
        """Return whether the caller may act on the case."""
        return await can_access_case(self, principal, case_id)

    async def region(self, code: str) -> Region | None:
        """Return the local copy of a region and its sites."""
        doc = await self.regions.find_one({"_id": code})
        if doc is None:
            return None
        return Region.model_validate({**doc, "code": doc["_id"]})

    async def place_problem(self, region_code: str, site: str) -> PlaceProblem | None:
        """Check a region and site against the copy of intake's reference data."""
        region = await self.region(region_code)
        if region is not None and region.site(site) is None:
            elsewhere = await self.regions.find_one({"sites.code": site}, projection={"_id": 1})
            return place_problem(region, site, site_in_other_region=elsewhere is not None)
        return place_problem(region, site)

    async def apply(self, event: Event, session: Session) -> None:
        """Fold one intake event into the copy; every write is an idempotent upsert or update."""
        match event:
            case CounsellorRegistered() | CounsellorUpdated():
                fields = event.model_dump(
                    include={
                        "region",
                        "site",
                        "capacity",
                        "skills",
                        "languages",
                        "active",
                        "display_name",
                    }
                )
                await self.counsellors.update_one(
                    {"_id": event.counsellor_id}, {"$set": fields}, upsert=True, session=session
                )
            case RegionRegistered():
                sites = [site.model_dump() for site in event.sites]
                await self.regions.update_one(
                    {"_id": event.region},
                    {"$set": {"label": event.label, "sites": sites}},
                    upsert=True,
                    session=session,
                )
            case CaseOpened():
                await self._open(event, session)
            case CaseReassigned():
                # A hand-over may move the case to another site or region, not only another owner.
                await self.cases.update_one(
                    {"_id": event.case_id},
                    {
                        "$set": {
                            "counsellor_id": event.to_counsellor_id,
                            "region": event.region,
                            "site": event.site,
                        }
                    },
                    session=session,
                )
            case CaseClosed():
                await self.cases.update_one(
                    {"_id": event.case_id},
                    {"$set": {"status": "closed", "closed_at": event.occurred_at}},
                    session=session,
                )
            case BeneficiaryErased():
                await self._erase(event, session)
            case _:
                return

    async def _open(self, event: CaseOpened, session: Session) -> None:
        # Erasure travels on the beneficiary topic and case events on the case topic, so a lagging
        # case partition or a history re-publish can deliver the opening after the erasure.
        erased = await self.erasures.find_one(
            {"_id": erasure_digest(event.beneficiary_id)}, session=session
        )
        if erased is not None:
            log.info("case of an erased beneficiary not copied", case_id=str(event.case_id))
            return
        await self.cases.update_one(
            {"_id": event.case_id},
            {
                "$set": {
                    "beneficiary_id": event.beneficiary_id,
                    "counsellor_id": event.counsellor_id,
                    "region": event.region,
                    "site": event.site,
                    "opened_at": event.occurred_at,
                },
                "$setOnInsert": {"status": "open"},
            },
            upsert=True,
            session=session,
        )

    async def _erase(self, event: BeneficiaryErased, session: Session) -> None:
        removed = await self.cases.delete_many(
            {"beneficiary_id": event.beneficiary_id}, session=session
        )
        removed_count = removed.deleted_count
        if event.case_ids:
            # Entries copied under an id the event names, whoever they were filed under.
            by_case = await self.cases.delete_many(
                {"_id": {"$in": list(event.case_ids)}}, session=session
            )
            removed_count += by_case.deleted_count
        # The marker is a digest, never the id, and expires once no replay could bring the
        # erased cases back (intake keeps its published history for the outbox retention).
        await self.erasures.update_one(
            {"_id": erasure_digest(event.beneficiary_id)},
            {"$set": {"erased_at": utc_now()}},
            upsert=True,
            session=session,
        )
        log.info("beneficiary erased from directory", cases_removed=removed_count)

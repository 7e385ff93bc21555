"""A local copy of intake's staff directory and case ownership, built from intake's events.

Services other than intake keep it so they never call intake synchronously to learn who owns a
case (DESIGN.md, "Staff directory"). It holds ids and places only; erasure removes a
beneficiary's entries.
"""

# FastAPI resolves route annotations at runtime, and these name local dependencies.
import hashlib
from datetime import timedelta
from typing import Annotated, Literal, Protocol
from uuid import UUID

import structlog
from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict

from jalon_shared.access import Principal, may_access_case
from jalon_shared.events import topics
from jalon_shared.events.envelope import Event, utc_now
from jalon_shared.events.intake import (
    BeneficiaryErased,
    CaseClosed,
    CaseOpened,
    CaseReassigned,
    CounsellorRegistered,
    CounsellorUpdated,
)
from jalon_shared.http_auth import CurrentPrincipal
from jalon_shared.mongo import Collection, Database, Session
from jalon_shared.retention import CLOSED_CASE_RETENTION
from jalon_shared.runtime import Infrastructure

log = structlog.get_logger(__name__)

COUNSELLORS = "directory_counsellors"
CASES = "directory_cases"
ERASURES = "directory_erasures"


CaseState = Literal["open", "closed"]


class CaseEntry(BaseModel):
    """Who owns a case, and where it is followed."""

    model_config = ConfigDict(frozen=True)

    case_id: UUID
    beneficiary_id: UUID
    counsellor_id: str | None
    region: str
    site: str
    status: CaseState


def may_access(principal: Principal, case: CaseEntry) -> bool:
    """Return whether the caller may act on the case."""
    return may_access_case(
        principal,
        beneficiary_id=case.beneficiary_id,
        counsellor_id=case.counsellor_id,
        region=case.region,
    )


def erasure_digest(beneficiary_id: UUID) -> str:
    """Return the digest an erasure marker is stored under."""
    return hashlib.sha256(beneficiary_id.bytes).hexdigest()


class CaseLookup(Protocol):
    """Finds the local copy of a case's ownership; Directory is the MongoDB one."""

    async def case(self, case_id: UUID) -> CaseEntry | None: ...


async def can_access_case(lookup: CaseLookup, principal: Principal, case_id: UUID) -> bool:
    """Return whether the caller may act on the case; an unknown case is nobody's."""
    case = await lookup.case(case_id)
    return case is not None and may_access(principal, case)


class Directory:
    """The directory collections of one service's database."""

    def __init__(self, database: Database, *, erasure_memory: timedelta) -> None:
        self.counsellors: Collection = database[COUNSELLORS]
        self.cases: Collection = database[CASES]
        self.erasures: Collection = database[ERASURES]
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

    async def apply(self, event: Event, session: Session) -> None:
        """Fold one intake event into the copy; every write is an idempotent upsert or update."""
        match event:
            case CounsellorRegistered() | CounsellorUpdated():
                fields = event.model_dump(
                    include={"region", "site", "capacity", "skills", "languages", "active"}
                )
                await self.counsellors.update_one(
                    {"_id": event.counsellor_id}, {"$set": fields}, upsert=True, session=session
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
        # The marker is a digest, never the id, and expires once no replay could bring the
        # erased cases back (intake keeps its published history for the outbox retention).
        await self.erasures.update_one(
            {"_id": erasure_digest(event.beneficiary_id)},
            {"$set": {"erased_at": utc_now()}},
            upsert=True,
            session=session,
        )
        log.info("beneficiary erased from directory", cases_removed=removed.deleted_count)


def register_directory(infra: Infrastructure) -> Directory:
    """Keep a directory copy in the service's database, fed by its own consumer group."""
    directory = Directory(
        infra.database, erasure_memory=timedelta(days=infra.settings.outbox.retention_days)
    )
    infra.consume(
        f"{infra.settings.service_name}.directory",
        [topics.INTAKE_STAFF, topics.INTAKE_CASE, topics.INTAKE_BENEFICIARY],
        directory.apply,
    )
    return directory


class CaseAccess(BaseModel):
    """What a caller may know about a case they can act on."""

    case_id: UUID
    counsellor_id: str | None
    region: str
    site: str
    status: CaseState


def directory_router(lookup: CaseLookup) -> APIRouter:
    """Return the route telling a caller whether they may act on a case."""
    router = APIRouter(tags=["directory"])

    async def accessible_case(case_id: UUID, principal: CurrentPrincipal) -> CaseEntry:
        case = await lookup.case(case_id)
        if case is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="unknown case")
        if not may_access(principal, case):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="not your case")
        return case

    @router.get("/cases/{case_id}/access")
    async def case_access(case: Annotated[CaseEntry, Depends(accessible_case)]) -> CaseAccess:
        """Return the case's owner and place if the caller may act on it."""
        return CaseAccess.model_validate(case.model_dump())

    return router

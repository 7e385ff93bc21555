"""A local copy of intake's staff directory and case ownership, built from intake's events.

Services other than intake keep it so they never call intake synchronously to learn who owns a
case (DESIGN.md, "Staff directory"). It holds ids and places only; erasure removes a
beneficiary's entries.
"""

# FastAPI resolves route annotations at runtime, and these name local dependencies.
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict

from jalon_shared.auth import CurrentPrincipal, Principal, may_access_case
from jalon_shared.events import topics
from jalon_shared.events.envelope import Event
from jalon_shared.events.intake import (
    BeneficiaryErased,
    CaseClosed,
    CaseOpened,
    CaseReassigned,
    CounsellorRegistered,
    CounsellorUpdated,
)
from jalon_shared.mongo import Collection, Database, Session
from jalon_shared.runtime import Infrastructure

COUNSELLORS = "directory_counsellors"
CASES = "directory_cases"


class CaseEntry(BaseModel):
    """Who owns a case, and where it is followed."""

    model_config = ConfigDict(frozen=True)

    case_id: UUID
    beneficiary_id: UUID
    counsellor_id: str | None
    region: str
    site: str
    status: str


def may_access(principal: Principal, case: CaseEntry) -> bool:
    """Return whether the caller may act on the case."""
    return may_access_case(
        principal,
        beneficiary_id=case.beneficiary_id,
        counsellor_id=case.counsellor_id,
        region=case.region,
    )


class Directory:
    """The directory collections of one service's database."""

    def __init__(self, database: Database) -> None:
        self.counsellors: Collection = database[COUNSELLORS]
        self.cases: Collection = database[CASES]

    async def ensure_indexes(self) -> None:
        """Create the indexes lookups and erasure use."""
        await self.cases.create_index("beneficiary_id")
        await self.cases.create_index("counsellor_id")
        await self.counsellors.create_index("region")

    async def case(self, case_id: UUID) -> CaseEntry | None:
        """Return the local copy of a case's ownership."""
        doc = await self.cases.find_one({"_id": case_id})
        if doc is None:
            return None
        return CaseEntry.model_validate({**doc, "case_id": doc["_id"]})

    async def apply(self, event: Event, session: Session) -> None:
        """Fold one intake event into the copy; every write is an idempotent upsert."""
        match event:
            case CounsellorRegistered() | CounsellorUpdated():
                fields = event.model_dump(
                    include={"region", "site", "capacity", "skills", "languages", "active"}
                )
                await self.counsellors.update_one(
                    {"_id": event.counsellor_id}, {"$set": fields}, upsert=True, session=session
                )
            case CaseOpened():
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
            case CaseReassigned():
                await self.cases.update_one(
                    {"_id": event.case_id},
                    {"$set": {"counsellor_id": event.to_counsellor_id}},
                    session=session,
                )
            case CaseClosed():
                await self.cases.update_one(
                    {"_id": event.case_id}, {"$set": {"status": "closed"}}, session=session
                )
            case BeneficiaryErased():
                await self.cases.delete_many(
                    {"beneficiary_id": event.beneficiary_id}, session=session
                )
            case _:
                return


def register_directory(infra: Infrastructure) -> Directory:
    """Keep a directory copy in the service's database, fed by its own consumer group."""
    directory = Directory(infra.database)
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
    status: str


def directory_router(directory: Directory) -> APIRouter:
    """Return the route telling a caller whether they may act on a case."""
    router = APIRouter(tags=["directory"])

    async def accessible_case(case_id: UUID, principal: CurrentPrincipal) -> CaseEntry:
        case = await directory.case(case_id)
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

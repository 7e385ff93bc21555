"""Intake's HTTP API."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel

from intake.application.change_service_level import change_service_level
from intake.application.close_case import close_case
from intake.application.erase_beneficiary import erase_beneficiary
from intake.application.errors import ForbiddenError, NotFoundError
from intake.application.export_beneficiary_data import export_beneficiary_data
from intake.application.get_case import get_case
from intake.application.get_caseload import CaseloadItem, get_caseload
from intake.application.list_counsellors import list_counsellors
from intake.application.list_unassigned_cases import WaitingCase, list_unassigned_cases
from intake.application.ports import CaseloadQuery, Clock, IntakeQueries, UnitOfWork
from intake.application.reassign_case import reassign_case
from intake.application.register_counsellor import register_counsellor
from intake.application.submit_request import submit_request
from intake.domain.alerts import Alert
from intake.domain.commands import (
    ChangeServiceLevel,
    CloseCase,
    ReassignCase,
    RegisterCounsellor,
    SubmitRequest,
)
from intake.domain.model import Case, Counsellor, DomainError
from jalon_shared.access import Principal, Role
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import CaseStatus, ServiceLevel
from jalon_shared.http_auth import require_roles
from jalon_shared.logging import current_correlation_id

SERVICE = "intake"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class IntakeDeps:
    """What the routes need, built by the composition root."""

    uow: UnitOfWork
    queries: IntakeQueries
    clock: Clock


class SubmitResponse(BaseModel):
    """Where the request landed."""

    request_id: UUID
    beneficiary_id: UUID
    case_id: UUID | None
    counsellor_id: str | None
    duplicate_of: UUID | None
    flagged_duplicate: bool


class CaseAlerts(BaseModel):
    """A counsellor's cases that need attention, by alert."""

    no_contact: list[CaseloadItem]
    not_contacted: list[CaseloadItem]


class Erasure(BaseModel):
    """What the erasure did."""

    beneficiary_id: UUID
    cases_anonymised: int


def event_meta() -> EventMeta:
    """Return the envelope fields for events caused by the current request."""
    return EventMeta(correlation_id=current_correlation_id(), producer=SERVICE)


def ensure_region(principal: Principal, region: str) -> None:
    """Refuse staff acting outside their region."""
    if principal.role in (Role.COUNSELLOR, Role.MANAGER) and principal.region != region:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="outside your region")


async def answer(call: Awaitable[T]) -> T:
    """Await a use case and turn its refusals into HTTP answers with a reason."""
    try:
        return await call
    except NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    except ForbiddenError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(exc)) from exc
    except DomainError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc


def beneficiary_id_of(principal: Principal) -> UUID:
    """Return the beneficiary id a beneficiary token names."""
    try:
        return UUID(principal.sub)
    except ValueError as exc:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="beneficiary token has no valid id"
        ) from exc


def build_router(deps: IntakeDeps) -> APIRouter:
    """Return intake's routes bound to their dependencies."""
    router = APIRouter(tags=["intake"])
    submitter = require_roles(Role.BENEFICIARY, Role.COUNSELLOR, Role.MANAGER)
    staff = require_roles(Role.COUNSELLOR, Role.MANAGER)
    anyone = require_roles(Role.BENEFICIARY, Role.COUNSELLOR, Role.MANAGER)
    counsellor = require_roles(Role.COUNSELLOR)
    beneficiary = require_roles(Role.BENEFICIARY)
    manager = require_roles(Role.MANAGER)
    manager_or_service = require_roles(Role.MANAGER, Role.SERVICE)
    Staff = Annotated[Principal, Depends(staff)]  # noqa: N806 - a type alias, named as one

    def caseload_query(
        status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
        service_level: ServiceLevel | None = None,
        site: Annotated[str | None, Query(max_length=64)] = None,
        alert: Alert | None = None,
        sort: Literal["opened_at", "last_contact_at", "next_appointment_at"] = "opened_at",
        order: Literal["asc", "desc"] = "desc",
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
        no_contact_days: Annotated[int, Query(ge=1, le=365)] = 30,
        first_contact_days: Annotated[int, Query(ge=1, le=60)] = 5,
    ) -> CaseloadQuery:
        return CaseloadQuery(
            status=status_,
            service_level=service_level,
            site=site,
            alert=alert,
            sort=sort,
            descending=order == "desc",
            limit=limit,
            offset=offset,
            no_contact_days=no_contact_days,
            first_contact_days=first_contact_days,
        )

    @router.post("/requests", status_code=status.HTTP_201_CREATED)
    async def post_request(
        command: SubmitRequest, principal: Annotated[Principal, Depends(submitter)]
    ) -> SubmitResponse:
        """Submit a CEP request: store it, flag duplicates, open and assign a case."""
        ensure_region(principal, command.region)
        own_id = beneficiary_id_of(principal) if principal.role is Role.BENEFICIARY else None
        outcome = await submit_request(
            command,
            beneficiary_id=own_id,
            submitted_by=f"{principal.role.value}:{principal.sub}",
            uow=deps.uow,
            clock=deps.clock,
            meta=event_meta(),
        )
        return SubmitResponse(
            request_id=outcome.request_id,
            beneficiary_id=outcome.beneficiary_id,
            case_id=outcome.case_id,
            counsellor_id=outcome.counsellor_id,
            duplicate_of=outcome.duplicate_of,
            flagged_duplicate=outcome.duplicate_of is not None,
        )

    @router.get("/caseload")
    async def caseload(
        principal: Annotated[Principal, Depends(counsellor)],
        query: Annotated[CaseloadQuery, Depends(caseload_query)],
    ) -> list[CaseloadItem]:
        """Return the calling counsellor's own cases, filtered, sorted and paged."""
        return await get_caseload(principal.sub, query, queries=deps.queries, clock=deps.clock)

    @router.get("/caseload/alerts")
    async def caseload_alerts(
        principal: Annotated[Principal, Depends(counsellor)],
        no_contact_days: Annotated[int, Query(ge=1, le=365)] = 30,
        first_contact_days: Annotated[int, Query(ge=1, le=60)] = 5,
    ) -> CaseAlerts:
        """Return cases silent for N days and new ones not contacted within N working days."""

        async def with_alert(alert: Alert) -> list[CaseloadItem]:
            query = CaseloadQuery(
                alert=alert,
                limit=200,
                descending=False,
                no_contact_days=no_contact_days,
                first_contact_days=first_contact_days,
            )
            return await get_caseload(principal.sub, query, queries=deps.queries, clock=deps.clock)

        return CaseAlerts(
            no_contact=await with_alert(Alert.NO_CONTACT),
            not_contacted=await with_alert(Alert.NOT_CONTACTED),
        )

    @router.get("/cases/unassigned")
    async def unassigned(
        principal: Annotated[Principal, Depends(manager)],
        limit: Annotated[int, Query(ge=1, le=500)] = 200,
    ) -> list[WaitingCase]:
        """Return the manager's region's cases waiting for a counsellor, to hand them out."""
        return await list_unassigned_cases(
            principal.region or "", queries=deps.queries, limit=limit
        )

    @router.get("/cases/{case_id}")
    async def read_case(case_id: UUID, principal: Annotated[Principal, Depends(anyone)]) -> Case:
        """Return a case with its history to its beneficiary, counsellor or regional manager."""
        return await answer(get_case(case_id, principal=principal, queries=deps.queries))

    @router.post("/cases/{case_id}/reassign")
    async def reassign(case_id: UUID, command: ReassignCase, principal: Staff) -> Case:
        """Hand the case over to another counsellor of the region."""
        return await answer(
            reassign_case(
                case_id,
                command.to_counsellor_id,
                principal=principal,
                uow=deps.uow,
                clock=deps.clock,
                meta=event_meta(),
            )
        )

    @router.post("/cases/{case_id}/service-level")
    async def service_level(case_id: UUID, command: ChangeServiceLevel, principal: Staff) -> Case:
        """Requalify the case's service level."""
        return await answer(
            change_service_level(
                case_id,
                command.service_level,
                principal=principal,
                uow=deps.uow,
                clock=deps.clock,
                meta=event_meta(),
            )
        )

    @router.post("/cases/{case_id}/close")
    async def close(case_id: UUID, command: CloseCase, principal: Staff) -> Case:
        """Close the case with a reason."""
        return await answer(
            close_case(
                case_id,
                command.reason,
                principal=principal,
                uow=deps.uow,
                clock=deps.clock,
                meta=event_meta(),
            )
        )

    @router.get("/me/export")
    async def export_me(principal: Annotated[Principal, Depends(beneficiary)]) -> dict[str, Any]:
        """Return everything intake holds about the calling beneficiary."""
        return await answer(export_beneficiary_data(beneficiary_id_of(principal), uow=deps.uow))

    @router.delete("/me")
    async def erase_me(principal: Annotated[Principal, Depends(beneficiary)]) -> Erasure:
        """Erase the calling beneficiary's data here and, by event, in every service."""
        own_id = beneficiary_id_of(principal)
        count = await answer(
            erase_beneficiary(
                own_id,
                erased_by="beneficiary",
                uow=deps.uow,
                clock=deps.clock,
                meta=event_meta(),
            )
        )
        return Erasure(beneficiary_id=own_id, cases_anonymised=count)

    @router.delete("/beneficiaries/{beneficiary_id}")
    async def erase_on_behalf(
        beneficiary_id: UUID, principal: Annotated[Principal, Depends(manager)]
    ) -> Erasure:
        """Erase a beneficiary of the manager's region on their written request."""
        count = await answer(
            erase_beneficiary(
                beneficiary_id,
                erased_by=f"manager:{principal.sub}",
                uow=deps.uow,
                clock=deps.clock,
                meta=event_meta(),
                region=principal.region or "",
            )
        )
        return Erasure(beneficiary_id=beneficiary_id, cases_anonymised=count)

    @router.get("/counsellors")
    async def counsellors(principal: Annotated[Principal, Depends(manager)]) -> list[Counsellor]:
        """Return the counsellors of the manager's region."""
        return await list_counsellors(principal.region or "", queries=deps.queries)

    @router.put("/counsellors/{counsellor_id}")
    async def put_counsellor(
        counsellor_id: str,
        command: RegisterCounsellor,
        principal: Annotated[Principal, Depends(manager_or_service)],
    ) -> Counsellor:
        """Register or update a counsellor of the manager's region."""
        if command.counsellor_id != counsellor_id:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="id mismatch")
        ensure_region(principal, command.region)
        return await answer(
            register_counsellor(
                command,
                uow=deps.uow,
                meta=event_meta(),
                acting_region=principal.region if principal.role is Role.MANAGER else None,
            )
        )

    return router

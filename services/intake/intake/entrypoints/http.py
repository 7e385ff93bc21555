"""Intake's HTTP API."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel

from intake.application.ports import Clock, UnitOfWork
from intake.application.register_counsellor import register_counsellor
from intake.application.submit_request import submit_request
from intake.domain.commands import RegisterCounsellor, SubmitRequest
from intake.domain.model import Counsellor
from jalon_shared.auth import Principal, Role, require_roles
from jalon_shared.events.envelope import EventMeta
from jalon_shared.logging import current_correlation_id

SERVICE = "intake"


@dataclass(frozen=True, slots=True)
class IntakeDeps:
    """What the routes need, built by the composition root."""

    uow: UnitOfWork
    clock: Clock


class SubmitResponse(BaseModel):
    """Where the request landed."""

    request_id: UUID
    beneficiary_id: UUID
    case_id: UUID | None
    counsellor_id: str | None
    duplicate_of: UUID | None
    flagged_duplicate: bool


def event_meta() -> EventMeta:
    """Return the envelope fields for events caused by the current request."""
    return EventMeta(correlation_id=current_correlation_id(), producer=SERVICE)


def ensure_region(principal: Principal, region: str) -> None:
    """Refuse staff acting outside their region."""
    if principal.role in (Role.COUNSELLOR, Role.MANAGER) and principal.region != region:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="outside your region")


def build_router(deps: IntakeDeps) -> APIRouter:
    """Return intake's routes bound to their dependencies."""
    router = APIRouter(tags=["intake"])
    submitter = require_roles(Role.BENEFICIARY, Role.COUNSELLOR, Role.MANAGER)
    manager = require_roles(Role.MANAGER, Role.SERVICE)

    @router.post("/requests", status_code=status.HTTP_201_CREATED)
    async def post_request(
        command: SubmitRequest, principal: Annotated[Principal, Depends(submitter)]
    ) -> SubmitResponse:
        """Submit a CEP request: store it, flag duplicates, open and assign a case."""
        ensure_region(principal, command.region)
        beneficiary_id: UUID | None = None
        if principal.role is Role.BENEFICIARY:
            try:
                beneficiary_id = UUID(principal.sub)
            except ValueError as exc:
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN, detail="beneficiary token has no valid id"
                ) from exc
        outcome = await submit_request(
            command,
            beneficiary_id=beneficiary_id,
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

    @router.put("/counsellors/{counsellor_id}")
    async def put_counsellor(
        counsellor_id: str,
        command: RegisterCounsellor,
        principal: Annotated[Principal, Depends(manager)],
    ) -> Counsellor:
        """Register or update a counsellor of the manager's region."""
        if command.counsellor_id != counsellor_id:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="id mismatch")
        ensure_region(principal, command.region)
        return await register_counsellor(command, uow=deps.uow, meta=event_meta())

    return router

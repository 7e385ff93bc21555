"""Use case: a beneficiary exports everything intake holds about them (GDPR access)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from intake.application.errors import NotFoundError
from intake.application.ports import IntakeTransaction, UnitOfWork
from intake.domain.retention import RETENTION_BY_COLLECTION


async def export_beneficiary_data(beneficiary_id: UUID, *, uow: UnitOfWork) -> dict[str, Any]:
    """Return the beneficiary, their requests, cases and surveys as JSON-ready data."""

    async def work(tx: IntakeTransaction) -> dict[str, Any]:
        beneficiary = await tx.beneficiary(beneficiary_id)
        if beneficiary is None:
            raise NotFoundError("no data held about this beneficiary")
        return {
            "beneficiary": beneficiary.model_dump(mode="json"),
            "requests": [r.model_dump(mode="json") for r in await tx.requests_of(beneficiary_id)],
            "cases": [c.model_dump(mode="json") for c in await tx.cases_of(beneficiary_id)],
            "surveys": [s.model_dump(mode="json") for s in await tx.surveys_of(beneficiary_id)],
            "retention": RETENTION_BY_COLLECTION,
        }

    return await uow.run(work)

"""Use case: a beneficiary lists the surveys waiting for their answer."""

from __future__ import annotations

from uuid import UUID

from intake.application.ports import Clock, IntakeQueries
from intake.domain.surveys import Survey


async def list_own_surveys(
    beneficiary_id: UUID, *, queries: IntakeQueries, clock: Clock
) -> list[Survey]:
    """Return the beneficiary's offered surveys that can still be answered, newest first."""
    return await queries.open_surveys_of(beneficiary_id, clock())

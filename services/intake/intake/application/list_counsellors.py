"""Use case: a manager lists the counsellors of their region with their caseload size."""

from __future__ import annotations

from intake.application.ports import IntakeQueries
from intake.domain.model import Counsellor


async def list_counsellors(region: str, *, queries: IntakeQueries) -> list[Counsellor]:
    """Return the region's counsellors."""
    return await queries.counsellors(region)

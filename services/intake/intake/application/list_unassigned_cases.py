"""Use case: a manager lists their region's cases that wait for a counsellor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from intake.application.ports import IntakeQueries
from jalon_shared.events.vocabulary import ServiceLevel


@dataclass(frozen=True, slots=True)
class WaitingCase:
    """A case nobody holds yet, without anything that names the person."""

    case_id: UUID
    site: str
    service_level: ServiceLevel
    opened_at: datetime


async def list_unassigned_cases(
    region: str, *, queries: IntakeQueries, limit: int = 200
) -> list[WaitingCase]:
    """Return the region's open cases with no counsellor, oldest first, for hand-out."""
    return [
        WaitingCase(
            case_id=case.case_id,
            site=case.site,
            service_level=case.service_level,
            opened_at=case.opened_at,
        )
        for case in await queries.unassigned_cases(region, limit)
    ]

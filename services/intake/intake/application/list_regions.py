"""Use case: anyone reads the regions and their sites (reference data)."""

from __future__ import annotations

from intake.application.ports import IntakeQueries
from jalon_shared.places import Region


async def list_regions(*, queries: IntakeQueries) -> list[Region]:
    """Return every region, by code."""
    regions = await queries.regions()
    return [regions[code] for code in sorted(regions)]

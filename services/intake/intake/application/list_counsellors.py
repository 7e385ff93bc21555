"""Use case: staff list the counsellors of their region, for the directory and hand-overs."""

from __future__ import annotations

from intake.application.ports import IntakeQueries
from intake.domain.model import Counsellor
from jalon_shared.places import Region


async def list_counsellors(
    region: str, *, queries: IntakeQueries
) -> tuple[list[Counsellor], Region | None]:
    """Return the region's counsellors and the region, whose labels name their sites."""
    counsellors = await queries.counsellors(region)
    return counsellors, (await queries.regions([region])).get(region)

"""Use case: a manager reads their region's activity."""

from __future__ import annotations

from reporting.application.ports import ActivityQueries
from reporting.domain.activity import RegionActivity, region_activity


async def get_region_activity(region: str, queries: ActivityQueries) -> RegionActivity:
    """Return the region's activity with small cells suppressed."""
    return region_activity(await queries.region_counts(region))

"""Use case: enforce retention by purging records past their purge date."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from intake.application.ports import Clock


class Purger(Protocol):
    """Deletes expired records; returns how many per collection."""

    async def purge(self, now: datetime) -> dict[str, int]: ...


async def purge_expired(purger: Purger, clock: Clock) -> dict[str, int]:
    """Purge every record whose retention has run out."""
    return await purger.purge(clock())

"""Use case: rebuild the read model from the producers' outbox history into a fresh generation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import structlog

from reporting.application.ports import HistorySource, RebuildTarget

log = structlog.get_logger(__name__)

#: Events read and folded per transaction: big enough to amortise the round trips.
BATCH = 500


@dataclass(frozen=True, slots=True)
class RebuildReport:
    """What a rebuild read and folded, and how fast."""

    read: int
    applied: int
    seconds: float

    @property
    def rate(self) -> float:
        """Events folded per second."""
        return self.applied / self.seconds if self.seconds > 0 else 0.0


async def rebuild_read_model(
    sources: Sequence[HistorySource],
    target: RebuildTarget,
    *,
    batch: int = BATCH,
    clock: Callable[[], float] = time.perf_counter,
) -> RebuildReport:
    """Fold every source's history, in the order given, then make the new generation active.

    Intake comes first: the cases' own events then precede the facts about them, which is also
    the order they happened in. Anything read out of order is parked by the fold, not lost.
    """
    started = clock()
    read = applied = 0
    try:
        for source in sources:
            # The next page is read while this one is folded.
            following = asyncio.ensure_future(source.page(None, batch))
            try:
                while True:
                    events, cursor = await following
                    if cursor is not None:
                        following = asyncio.ensure_future(source.page(cursor, batch))
                    read += len(events)
                    if events:
                        applied += await target.apply(events)
                    await target.progress(read, applied, source.name)
                    if cursor is None:
                        break
            finally:
                following.cancel()
            log.info("rebuild source folded", source=source.name, read=read)
    except Exception as exc:
        await target.abandon(type(exc).__name__)
        raise
    seconds = clock() - started
    await target.finish(seconds)
    return RebuildReport(read=read, applied=applied, seconds=seconds)

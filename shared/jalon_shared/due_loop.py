"""A background loop over work that falls due in the database: sent once, stopped gently.

A step claims and handles one due item under a lease and says whether it found one. Between
items the loop sleeps until the next falls due, the poll interval passes, or it is woken.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog

log = structlog.get_logger(__name__)

#: How long a cancelled loop lets the item in hand finish, so it is marked, not handled again.
STOP_GRACE_SECONDS = 5.0
MAX_ERROR_BACKOFF = 10.0
MIN_SLEEP_SECONDS = 0.05


class DueWorkLoop:
    """Runs a step until nothing is due, then sleeps until woken, due or polled."""

    def __init__(
        self,
        name: str,
        step: Callable[[], Awaitable[object | None]],
        next_due: Callable[[], Awaitable[datetime | None]],
        clock: Callable[[], datetime],
        *,
        poll_interval: float,
    ) -> None:
        self._log = log.bind(loop=name)
        self._step = step
        self._next_due = next_due
        self._clock = clock
        self._poll_interval = poll_interval
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        """Look for due work now (a unit of work just committed some)."""
        self._wakeup.set()

    async def run(self) -> None:
        """Handle due work until cancelled; the app runs this as a background task."""
        backoff = 0.1
        self._log.info("due work loop started")
        try:
            while True:
                self._wakeup.clear()
                try:
                    outcome = await self._one()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # Storage unreachable: back off, the work waits in the database.
                    self._log.warning("due work step failed", error_type=type(exc).__name__)
                    await self._sleep(backoff)
                    backoff = min(backoff * 2, MAX_ERROR_BACKOFF)
                    continue
                backoff = 0.1
                if outcome is None:
                    await self._sleep(await self._idle_for())
        finally:
            self._log.info("due work loop stopped")

    async def drain(self) -> int:
        """Handle everything due now; return how many items (tests, operators)."""
        handled = 0
        while await self._step() is not None:
            handled += 1
        return handled

    async def _one(self) -> object | None:
        task = asyncio.ensure_future(self._step())
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            # Let the item in hand finish within a grace period: cut between its handling and
            # its mark, it would go again once its lease runs out.
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=STOP_GRACE_SECONDS)
            raise

    async def _idle_for(self) -> float:
        """Return how long to sleep: the poll interval, or less when an item falls due sooner."""
        next_due = await self._next_due()
        if next_due is None:
            return self._poll_interval
        until = (next_due - self._clock()).total_seconds()
        # A short floor: an item due now but not claimable yet must not spin the loop.
        return max(MIN_SLEEP_SECONDS, min(self._poll_interval, until))

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout=seconds)

"""The loop that sends due notices: woken by commits, polling otherwise, stopped by cancel."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from appointment.application.dispatch_notifications import Dispatch, Outcome, dispatch_next

log = structlog.get_logger(__name__)

#: How long a cancelled dispatcher lets the notice in hand finish, so it is marked, not resent.
STOP_GRACE_SECONDS = 5.0
MAX_ERROR_BACKOFF = 10.0
MIN_SLEEP_SECONDS = 0.05


class NotificationDispatcher:
    """Runs dispatch_next until nothing is due, then sleeps until woken, due or polled."""

    def __init__(self, dispatch: Dispatch, *, poll_interval: float = 1.0) -> None:
        self._dispatch = dispatch
        self._poll_interval = poll_interval
        self._wakeup = asyncio.Event()

    @property
    def owner(self) -> str:
        """Return the name this dispatcher takes leases under."""
        return self._dispatch.owner

    def wake(self) -> None:
        """Look for due notices now (a unit of work just committed some)."""
        self._wakeup.set()

    async def run(self) -> None:
        """Send due notices until cancelled; the app runs this as a background task."""
        backoff = 0.1
        log.info("notification dispatcher started")
        try:
            while True:
                self._wakeup.clear()
                try:
                    outcome = await self._one()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # Storage unreachable: back off, the records wait in the database.
                    log.warning("notification dispatch failed", error_type=type(exc).__name__)
                    await self._sleep(backoff)
                    backoff = min(backoff * 2, MAX_ERROR_BACKOFF)
                    continue
                backoff = 0.1
                if outcome is None:
                    await self._sleep(await self._idle_for())
        finally:
            log.info("notification dispatcher stopped")

    async def drain(self) -> int:
        """Send every notice due now; return how many were handled (tests, operators)."""
        handled = 0
        while await dispatch_next(self._dispatch) is not None:
            handled += 1
        return handled

    async def _one(self) -> Outcome | None:
        task = asyncio.ensure_future(dispatch_next(self._dispatch))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            # Let the notice in hand finish within a grace period: cut between the send and
            # its mark, it would go again once its lease runs out.
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=STOP_GRACE_SECONDS)
            raise

    async def _idle_for(self) -> float:
        """Return how long to sleep: the poll interval, or less when a record falls due sooner."""
        next_due = await self._dispatch.store.next_due()
        if next_due is None:
            return self._poll_interval
        until = (next_due - self._dispatch.clock()).total_seconds()
        # A short floor: a record due now but not claimable yet must not spin the loop.
        return max(MIN_SLEEP_SECONDS, min(self._poll_interval, until))

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout=seconds)

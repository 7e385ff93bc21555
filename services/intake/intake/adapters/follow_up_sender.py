"""The loop that offers due follow-up surveys: it sleeps until the next is due or polls."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from intake.application.follow_up_ports import FollowUpQueue
from intake.application.send_follow_up import FollowUpSending, Outcome, send_next_follow_up

log = structlog.get_logger(__name__)

#: How long a cancelled sender lets the follow-up in hand finish, so it is marked, not resent.
STOP_GRACE_SECONDS = 5.0
MAX_ERROR_BACKOFF = 10.0
MIN_SLEEP_SECONDS = 0.05


class FollowUpSender:
    """Runs send_next_follow_up until nothing is due, then sleeps until due or polled."""

    def __init__(
        self, sending: FollowUpSending, queue: FollowUpQueue, *, poll_interval: float
    ) -> None:
        self._sending = sending
        self._queue = queue
        self._poll_interval = poll_interval

    async def run(self) -> None:
        """Send due follow-ups until cancelled; the app runs this as a background task."""
        backoff = 0.1
        log.info("follow-up sender started")
        try:
            while True:
                try:
                    outcome = await self._one()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # Storage unreachable: back off, the follow-ups wait in the database.
                    log.warning("follow-up sending failed", error_type=type(exc).__name__)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, MAX_ERROR_BACKOFF)
                    continue
                backoff = 0.1
                if outcome is None:
                    await asyncio.sleep(await self._idle_for())
        finally:
            log.info("follow-up sender stopped")

    async def drain(self) -> int:
        """Handle every follow-up due now; return how many (tests, operators)."""
        handled = 0
        while await send_next_follow_up(self._sending) is not None:
            handled += 1
        return handled

    async def _one(self) -> Outcome | None:
        task = asyncio.ensure_future(send_next_follow_up(self._sending))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            # Let the follow-up in hand finish within a grace period: cut between the send and
            # its mark, it would go again once its lease runs out.
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=STOP_GRACE_SECONDS)
            raise

    async def _idle_for(self) -> float:
        """Return how long to sleep: the poll interval, or less when one falls due sooner."""
        next_due = await self._queue.next_due()
        if next_due is None:
            return self._poll_interval
        until = (next_due - self._sending.clock()).total_seconds()
        # A short floor: one due now but not claimable yet must not spin the loop.
        return max(MIN_SLEEP_SECONDS, min(self._poll_interval, until))

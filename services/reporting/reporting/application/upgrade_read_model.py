"""Use case: rebuild a read model that older code built, until one rebuild succeeds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from reporting.application.rebuild_read_model import RebuildReport

log = structlog.get_logger(__name__)

#: How long to wait before trying again: the producers may still be starting.
RETRY_SECONDS = 30.0


async def upgrade_read_model(
    outdated: Callable[[], Awaitable[bool]],
    rebuild: Callable[[], Awaitable[RebuildReport | None]],
    *,
    retry_seconds: float = RETRY_SECONDS,
) -> None:
    """Rebuild while the active generation is outdated; another instance's rebuild counts."""
    while await outdated():
        try:
            report = await rebuild()
        except Exception as exc:
            # Logged, then retried: a producer down at startup must not leave the shape stale.
            log.warning("read model upgrade failed", error=type(exc).__name__)
        else:
            if report is not None:
                log.info("read model upgraded", applied=report.applied)
                return
        await asyncio.sleep(retry_seconds)

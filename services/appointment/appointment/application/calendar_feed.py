"""Use case: a calendar client reads a counsellor's feed with its secret token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from appointment.application.errors import NotFoundError
from appointment.application.feed_ports import CounsellorCalendar, FeedTokenStore
from appointment.domain.calendar_feed import feed_window, token_digest
from appointment.domain.messages import Facts


async def calendar_feed(
    token: str,
    *,
    tokens: FeedTokenStore,
    calendar: CounsellorCalendar,
    clock: Callable[[], datetime],
) -> list[Facts]:
    """Return the token's counsellor's appointments from 30 days back to 180 days ahead."""
    found = await tokens.find(token_digest(token))
    if found is None or not found.active:
        # Unknown and revoked answer alike: a probe learns nothing.
        raise NotFoundError("unknown calendar feed")
    start, end = feed_window(clock())
    return await calendar.appointments(found.counsellor_id, start, end)

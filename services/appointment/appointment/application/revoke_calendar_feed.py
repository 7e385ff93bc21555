"""Use case: a counsellor stops their calendar feed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from appointment.application.errors import ForbiddenError
from appointment.application.feed_ports import FeedTokenStore
from jalon_shared.access import Principal, Role


async def revoke_calendar_feed(
    principal: Principal, *, tokens: FeedTokenStore, clock: Callable[[], datetime]
) -> int:
    """Revoke the calling counsellor's feed tokens; return how many were active."""
    if principal.role is not Role.COUNSELLOR:
        raise ForbiddenError("only a counsellor has a calendar feed")
    return await tokens.revoke(principal.sub, clock())

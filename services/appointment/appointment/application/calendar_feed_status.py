"""Use case: a counsellor asks whether their calendar feed is on, and since when."""

from __future__ import annotations

from appointment.application.errors import ForbiddenError
from appointment.application.feed_ports import FeedTokenStore
from appointment.domain.calendar_feed import FeedToken
from jalon_shared.access import Principal, Role


async def calendar_feed_status(principal: Principal, *, tokens: FeedTokenStore) -> FeedToken | None:
    """Return the calling counsellor's active feed token (digest only), or None."""
    if principal.role is not Role.COUNSELLOR:
        raise ForbiddenError("only a counsellor has a calendar feed")
    return await tokens.active(principal.sub)

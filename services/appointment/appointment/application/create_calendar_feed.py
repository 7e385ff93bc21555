"""Use case: a counsellor creates their calendar feed's secret URL (the previous one stops)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from appointment.application.errors import ForbiddenError
from appointment.application.feed_ports import FeedTokenStore
from appointment.domain.calendar_feed import FeedToken, token_digest
from jalon_shared.access import Principal, Role


@dataclass(frozen=True, slots=True)
class NewFeed:
    """The new token, shown once: only its digest is kept."""

    token: str
    created_at: datetime


def new_token() -> str:
    """Return a fresh unguessable token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


async def create_calendar_feed(
    principal: Principal,
    *,
    tokens: FeedTokenStore,
    clock: Callable[[], datetime],
    make_token: Callable[[], str] = new_token,
) -> NewFeed:
    """Create a feed token for the calling counsellor and revoke any previous one."""
    if principal.role is not Role.COUNSELLOR:
        raise ForbiddenError("only a counsellor has a calendar feed")
    token = make_token()
    now = clock()
    await tokens.add(FeedToken(token_digest(token), principal.sub, now))
    return NewFeed(token=token, created_at=now)

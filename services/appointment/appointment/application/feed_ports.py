"""What the counsellors' calendar feed needs: its tokens and the counsellor's appointments."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from appointment.domain.calendar_feed import FeedToken
from appointment.domain.messages import Facts


class FeedTokenStore(Protocol):
    """The `feed_tokens` collection."""

    async def add(self, token: FeedToken) -> None:
        """Store a new token and revoke the counsellor's older ones."""

    async def revoke(self, counsellor_id: str, now: datetime) -> int:
        """Revoke the counsellor's active tokens; return how many."""

    async def active(self, counsellor_id: str) -> FeedToken | None:
        """Return the counsellor's active token, if any."""

    async def find(self, digest: str) -> FeedToken | None:
        """Return the token with this digest, revoked or not."""


class CounsellorCalendar(Protocol):
    """A counsellor's appointments, as calendar facts."""

    async def appointments(self, counsellor_id: str, start: datetime, end: datetime) -> list[Facts]:
        """Return the counsellor's appointments starting in [start, end), by start."""

"""A counsellor's calendar feed: a secret URL, kept only as its digest, and the period it shows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

#: What the feed shows around today.
FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=180)


def token_digest(token: str) -> str:
    """Return the SHA-256 hex digest a feed token is stored and looked up by."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class FeedToken:
    """A counsellor's feed token as stored: the digest, never the secret."""

    digest: str
    counsellor_id: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Return whether the token still opens the feed."""
        return self.revoked_at is None


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """Return the period a feed covers: 30 days back to 180 days ahead."""
    return now - FEED_PAST, now + FEED_AHEAD

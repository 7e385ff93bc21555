"""Rate limits on sign-in: fixed windows counted per key (an account, an email, an address)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `attempts` tries per `window` for one key of one kind."""

    name: str
    attempts: int
    window: timedelta


@dataclass(frozen=True, slots=True)
class Window:
    """One fixed window of one limit for one key."""

    bucket: str
    ends_at: datetime


class TooManyAttemptsError(Exception):
    """A limit was reached; the person may try again after `retry_after`."""

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__("too many attempts")
        self.retry_after = retry_after

    @property
    def retry_after_seconds(self) -> int:
        """Return the wait in whole seconds, at least one."""
        return max(1, int(self.retry_after.total_seconds() + 0.999))


def window_of(limit: Limit, key: str, now: datetime) -> Window:
    """Return the window `now` falls in; the key is hashed so no address or email is stored."""
    size = int(limit.window.total_seconds())
    start = int(now.timestamp()) // size * size
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return Window(
        bucket=f"{limit.name}:{digest}:{start}",
        ends_at=datetime.fromtimestamp(start + size, tz=UTC),
    )

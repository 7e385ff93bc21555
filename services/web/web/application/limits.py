"""The sign-in rate limits, and spending a try against several of them at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from web.application.ports import RateLimiter
from web.domain.rate_limits import Limit, TooManyAttemptsError, Window, window_of


@dataclass(frozen=True, slots=True)
class SignInLimits:
    """How many password tries and code requests are allowed, per key and per address."""

    password_per_account: Limit
    password_per_address: Limit
    code_per_email: Limit
    code_per_address: Limit


async def spend_try(
    limiter: RateLimiter, keyed: list[tuple[Limit, str]], now: datetime
) -> list[Window]:
    """Count one try against every (limit, key); raise TooManyAttemptsError when one is spent."""
    windows: list[Window] = []
    refused: list[Window] = []
    for limit, key in keyed:
        window = window_of(limit, key, now)
        # Counted before any check, atomically: parallel guesses cannot slip past the cap.
        count = await limiter.hit(window.bucket, window.ends_at)
        windows.append(window)
        if count > limit.attempts:
            refused.append(window)
    if refused:
        raise TooManyAttemptsError(max(w.ends_at for w in refused) - now)
    return windows


async def give_back(limiter: RateLimiter, windows: list[Window]) -> None:
    """Return the tries of a successful sign-in, so only failures use up the allowance."""
    for window in windows:
        await limiter.refund(window.bucket)

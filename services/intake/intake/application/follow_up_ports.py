"""What sending the follow-up surveys needs: their mail queue, the mailer and the signed links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID


class MailError(Exception):
    """The mail relay did not take the message; the follow-up is tried again later."""


@dataclass(frozen=True, slots=True)
class Claimed:
    """A follow-up this sender holds the lease of, and how many times it was claimed."""

    survey_id: UUID
    attempts: int


class FollowUpQueue(Protocol):
    """The follow-ups' e-mails: claims with a lease, then the outcome of each attempt."""

    async def claim(self, now: datetime, owner: str, lease: timedelta) -> Claimed | None:
        """Take one due follow-up (or one whose lease ran out) for this owner, atomically."""
        ...

    async def mark_sent(self, survey_id: UUID, owner: str) -> bool:
        """Mark the e-mail sent; return False when this owner had lost the lease."""
        ...

    async def mark_dropped(self, survey_id: UUID, owner: str, why: str) -> bool:
        """Give the e-mail up for a reason code (answered, expired, no contact)."""
        ...

    async def retry_later(self, survey_id: UUID, owner: str, at: datetime, error: str) -> str:
        """Put the e-mail back for a later attempt, or fail it after the last; return its state."""
        ...

    async def next_due(self) -> datetime | None:
        """Return when the next follow-up falls due (or a lease runs out), if any."""
        ...


class SurveyMailer(Protocol):
    """Sends the follow-up invitation by e-mail."""

    async def send_follow_up(self, *, to: str, first_name: str, url: str, key: str) -> None:
        """Send the invitation with its link, or raise MailError; key names it across retries."""
        ...


class SurveyLinks(Protocol):
    """Signs the links that open a survey on the web front without signing in."""

    def url(self, survey_id: UUID, beneficiary_id: UUID, expires_at: datetime) -> str:
        """Return the web front's page for the survey, with a token valid until expires_at."""
        ...

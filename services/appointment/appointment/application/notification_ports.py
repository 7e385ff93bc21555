"""What sending notices needs: the outbox of notices, the facts, contacts, channels and links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from appointment.domain.messages import ChannelKind, Contact, Facts, Rendered
from appointment.domain.notices import Notice


class ChannelError(Exception):
    """A channel could not hand a message over; the notice is tried again later."""


@dataclass(frozen=True, slots=True)
class Claimed:
    """A notice this dispatcher holds the lease of, with what a previous attempt delivered."""

    notice: Notice
    attempts: int
    #: Channels an earlier attempt already delivered on, not to be repeated.
    delivered: frozenset[ChannelKind] = frozenset()


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A rendered notice, ready for a channel."""

    #: The notice's key: the message's identity across retries (e-mail Message-ID).
    key: str
    rendered: Rendered
    #: The facts the invitation is built from, when the message carries one.
    facts: Facts | None
    now: datetime


class ContactLookup(Protocol):
    """Intake's contact details of a beneficiary."""

    async def contact(self, beneficiary_id: UUID) -> Contact | None:
        """Return how to reach the beneficiary, or None when they are unknown or erased."""


class Channel(Protocol):
    """Hands a message to a provider (SMTP relay, SMS gateway)."""

    async def send(self, message: Outgoing, contact: Contact) -> None:
        """Send the message to the contact, or raise ChannelError."""


class NotificationStore(Protocol):
    """The notification outbox: claims with a lease, and the outcome of each attempt."""

    async def claim(self, now: datetime, owner: str, lease: timedelta) -> Claimed | None:
        """Take one due notice (or one whose lease expired) for this owner, atomically."""

    async def mark_delivered(self, key: str, owner: str, channel: ChannelKind) -> None:
        """Note one channel delivered, so a retry does not repeat it."""

    async def mark_sent(self, key: str, owner: str, channels: Sequence[ChannelKind]) -> bool:
        """Mark the notice sent; return False when this owner had lost the lease."""

    async def mark_dropped(self, key: str, owner: str, why: str) -> bool:
        """Mark the notice dropped (stale, erased), with a reason code."""

    async def retry_later(self, key: str, owner: str, at: datetime, error: str = "") -> str:
        """Put the notice back for a later attempt, or fail it after the last; return its status."""

    async def next_due(self) -> datetime | None:
        """Return when the next notice falls due (or a lease runs out), if any."""

    async def erase_beneficiary(self, beneficiary_id: UUID) -> int:
        """Delete a beneficiary's notices; return how many."""


class FactsLoader(Protocol):
    """Reads what a notice is about, as it stands now."""

    async def facts(self, notice: Notice) -> Facts | None:
        """Return the appointment's or session's facts, or None when it no longer exists."""


class LinkSigner(Protocol):
    """Signs the links that let a beneficiary act on an appointment without signing in."""

    def url(self, appointment_id: UUID, beneficiary_id: UUID, expires_at: datetime) -> str:
        """Return a signed link for this appointment and beneficiary, valid until a time."""

    def join_url(self, appointment_id: UUID, beneficiary_id: UUID, expires_at: datetime) -> str:
        """Return a signed link that joins this appointment's room, valid until a time."""

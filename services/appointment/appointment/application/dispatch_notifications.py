"""Use case: send the next due notice, once, on the channels its reader uses."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import structlog
from structlog.typing import FilteringBoundLogger

from appointment.application.notification_ports import (
    Channel,
    ChannelError,
    Claimed,
    ContactLookup,
    FactsLoader,
    LinkSigner,
    NotificationStore,
    Outgoing,
)
from appointment.domain.messages import (
    JOIN_TEMPLATES,
    ROOM_MODALITIES,
    ChannelKind,
    Facts,
    Links,
    choose_channels,
    render,
    stale_reason,
)
from appointment.domain.notices import Notice, Template

log = structlog.get_logger(__name__)

#: Longest wait between two attempts; six attempts then span a few hours of outage.
MAX_BACKOFF = timedelta(hours=3)


class Outcome(StrEnum):
    """What became of a claimed notice."""

    SENT = "sent"
    DROPPED = "dropped"
    RETRY = "retry"
    FAILED = "failed"
    #: Another dispatcher took the notice over (this one's lease ran out mid-send).
    LOST = "lost"


def backoff(attempts: int) -> timedelta:
    """Return how long to wait after a failed attempt: 1, 4, 16, 64 minutes, then 3 hours."""
    return min(timedelta(minutes=4 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True, slots=True)
class Dispatch:
    """What sending needs, built by the composition root."""

    store: NotificationStore
    facts: FactsLoader
    contacts: ContactLookup
    #: The channels configured here; SMS is absent where no provider is set.
    channels: Mapping[ChannelKind, Channel]
    links: LinkSigner
    #: The beneficiary's space on the web front.
    space_url: str
    clock: Callable[[], datetime]
    #: This dispatcher's name on the leases it takes.
    owner: str
    #: How long a claim holds; far longer than a send may take, so two never overlap.
    lease: timedelta = timedelta(minutes=2)
    #: How long after its end an appointment's room stays open (remote-session's
    #: JALON_ROOMS__JOIN_LATE_MINUTES): when the join link expires.
    room_open_after_end: timedelta = timedelta(minutes=60)


async def dispatch_next(deps: Dispatch) -> Outcome | None:
    """Claim one due notice and send, drop or postpone it; return None when none is due."""
    claimed = await deps.store.claim(deps.clock(), deps.owner, deps.lease)
    if claimed is None:
        return None
    notice = claimed.notice
    bound = log.bind(template=notice.template.value, attempt=claimed.attempts)
    try:
        return await _handle(deps, claimed, bound)
    except Exception as exc:
        # Storage or intake unreachable, or a bug: the notice waits and is tried again.
        bound.warning("notice attempt failed", error_type=type(exc).__name__)
        return await _retry(deps, claimed, type(exc).__name__)


async def _handle(deps: Dispatch, claimed: Claimed, bound: FilteringBoundLogger) -> Outcome:
    notice = claimed.notice
    now = deps.clock()
    facts = await deps.facts.facts(notice)
    why = stale_reason(notice, facts, now)
    if why is not None:
        await deps.store.mark_dropped(notice.key, deps.owner, why)
        bound.info("notice dropped", reason=why)
        return Outcome.DROPPED
    contact = await deps.contacts.contact(notice.beneficiary_id)
    if contact is None:
        await deps.store.mark_dropped(notice.key, deps.owner, "erased")
        bound.info("notice dropped", reason="erased")
        return Outcome.DROPPED
    kinds = [kind for kind in choose_channels(notice.template, contact) if kind in deps.channels]
    if not kinds:
        await deps.store.mark_dropped(notice.key, deps.owner, "no_channel")
        bound.info("notice dropped", reason="no_channel")
        return Outcome.DROPPED
    links = Links(
        space_url=deps.space_url,
        action_url=_action_url(deps, notice, facts, now),
        join_url=_join_url(deps, notice, facts, now),
    )
    message = Outgoing(
        key=notice.key,
        rendered=render(notice.template, facts, links),
        # A freed slot is someone else's appointment: it never goes into a calendar.
        facts=None if notice.template is Template.SLOT_FREED else facts,
        now=now,
    )
    for kind in kinds:
        if kind in claimed.delivered:
            continue
        try:
            await deps.channels[kind].send(message, contact)
        except ChannelError:
            bound.warning("notice not handed over", channel=kind.value)
            return await _retry(deps, claimed, f"{kind.value}_failed")
        await deps.store.mark_delivered(notice.key, deps.owner, kind)
    if not await deps.store.mark_sent(notice.key, deps.owner, kinds):
        bound.warning("notice lease lost while sending")
        return Outcome.LOST
    bound.info("notice sent", channels=[kind.value for kind in kinds])
    return Outcome.SENT


def _action_url(deps: Dispatch, notice: Notice, facts: Facts | None, now: datetime) -> str | None:
    """Return the signed link for an appointment of the reader's that can still be acted on."""
    if notice.appointment_id is None or facts is None or facts.collective:
        return None
    if notice.template is Template.SLOT_FREED:
        return None
    if facts.beneficiary_id != notice.beneficiary_id or facts.status != "booked":
        return None
    if notice.template is Template.CANCELLED or facts.starts_at <= now:
        return None
    # The link expires when the appointment starts: after that there is nothing to act on.
    return deps.links.url(notice.appointment_id, notice.beneficiary_id, facts.starts_at)


def _join_url(deps: Dispatch, notice: Notice, facts: Facts | None, now: datetime) -> str | None:
    """Return the signed link into the room of a reader's phone or video appointment."""
    if notice.appointment_id is None or facts is None or facts.collective:
        return None
    if notice.template not in JOIN_TEMPLATES or facts.modality not in ROOM_MODALITIES:
        return None
    if facts.beneficiary_id != notice.beneficiary_id or facts.status != "booked":
        return None
    # Valid until the room closes, so a reconnection late in the meeting still gets in.
    expires_at = facts.ends_at + deps.room_open_after_end
    if expires_at <= now:
        return None
    return deps.links.join_url(notice.appointment_id, notice.beneficiary_id, expires_at)


async def _retry(deps: Dispatch, claimed: Claimed, error: str) -> Outcome:
    at = deps.clock() + backoff(claimed.attempts)
    status = await deps.store.retry_later(claimed.notice.key, deps.owner, at, error)
    if status == "failed":
        log.error("notice failed for good", template=claimed.notice.template.value)
        return Outcome.FAILED
    return Outcome.RETRY

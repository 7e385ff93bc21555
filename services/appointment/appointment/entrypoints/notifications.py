"""Notifications' settings and wiring: the dispatcher, its channels, links and the calendar feed.

The composition root (main.py) calls `build_notifications` once and hands the pieces to the app:
the router, the startup hooks, the dispatcher's `run` as a background task and its `wake` to the
unit of work.
"""

from __future__ import annotations

import os
import secrets
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
import structlog
from fastapi import APIRouter
from pydantic import Field, SecretStr

from appointment.adapters.calendar_feed import MongoCounsellorCalendar, MongoFeedTokens
from appointment.adapters.contacts import HttpContacts
from appointment.adapters.dispatcher import NotificationDispatcher
from appointment.adapters.email import EmailChannel
from appointment.adapters.notifications import MongoFactsLoader, MongoNotificationStore
from appointment.adapters.sms import HttpSmsChannel
from appointment.application.dispatch_notifications import Dispatch
from appointment.application.notification_ports import Channel
from appointment.domain.messages import ChannelKind
from appointment.entrypoints.feed_http import FeedDeps, build_feed_router
from jalon_shared.auth import ServiceTokens
from jalon_shared.links import SignedLinks
from jalon_shared.runtime import Infrastructure
from jalon_shared.settings import dev_url
from jalon_shared.smtp import SmtpRelay, SmtpSettings

log = structlog.get_logger(__name__)

#: The beneficiary's space on the web front, which every message links to.
BENEFICIARY_SPACE_PATH = "/beneficiary"

Hook = Callable[[], Awaitable[None]]


class NotificationSettings(SmtpSettings):
    """Where notices go and how; read from JALON_NOTIFICATIONS__* variables."""

    #: The SMS provider's endpoint; without it, no SMS is sent (e-mail still is).
    sms_url: str | None = None
    sms_api_key: SecretStr | None = None
    #: The web front's public address, for the links in messages.
    web_url: str = dev_url("web")
    #: This service's public address, for the calendar feed URL counsellors subscribe to.
    public_url: str = dev_url("appointment")
    intake_url: str = dev_url("intake")
    #: Signs the action links (HS256, 32 bytes at least). Required outside dev: unset, a
    #: secret is made per process, so links die with the process and differ between replicas.
    link_secret: SecretStr | None = None
    poll_interval_ms: int = Field(default=1_000, ge=10)
    #: How long a dispatcher holds a claimed notice; far longer than one send may take.
    lease_seconds: int = Field(default=120, ge=5)
    #: How long after its end a phone or video appointment's room stays open, and so its join
    #: link: the same value as remote-session's JALON_ROOMS__JOIN_LATE_MINUTES.
    join_late_minutes: int = Field(default=60, ge=0, le=24 * 60)


@dataclass(frozen=True)
class NotificationsWiring:
    """What the composition root hands to the app."""

    dispatcher: NotificationDispatcher
    #: The calendar feed routes.
    router: APIRouter
    #: Signs and verifies the action links (the web front's link page verifies through it).
    links: SignedLinks
    #: The notification outbox, for the erasure handler (erase_beneficiary).
    store: MongoNotificationStore
    on_startup: list[Hook] = field(default_factory=list)


def owner_name(service: str) -> str:
    """Return this process's name on the leases it takes: host, pid and a random suffix."""
    return f"{service}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def link_secret(settings: NotificationSettings) -> str:
    """Return the configured link secret, or one made for this process only."""
    if settings.link_secret is not None:
        return settings.link_secret.get_secret_value()
    log.warning("link secret made for this process only: set JALON_NOTIFICATIONS__LINK_SECRET")
    return secrets.token_urlsafe(48)


def build_channels(
    settings: NotificationSettings, http: httpx.AsyncClient
) -> dict[ChannelKind, Channel]:
    """Return the e-mail channel and, when a provider is set, the SMS channel."""
    channels: dict[ChannelKind, Channel] = {
        ChannelKind.EMAIL: EmailChannel(SmtpRelay.from_settings(settings))
    }
    if settings.sms_url:
        key = settings.sms_api_key.get_secret_value() if settings.sms_api_key else None
        channels[ChannelKind.SMS] = HttpSmsChannel(http, settings.sms_url, key)
    return channels


def build_notifications(
    infra: Infrastructure,
    settings: NotificationSettings,
    http: httpx.AsyncClient,
    clock: Callable[[], datetime],
) -> NotificationsWiring:
    """Build the dispatcher, its channels and links, and the calendar feed routes."""
    service = infra.settings
    tokens = ServiceTokens(
        service.auth.service_private_key(),
        service=service.service_name,
        audience=service.auth.audience,
    )
    links = SignedLinks(link_secret(settings), settings.web_url)
    store = MongoNotificationStore(infra.database, clock=clock)
    dispatch = Dispatch(
        store=store,
        facts=MongoFactsLoader(infra.database),
        contacts=HttpContacts(http, settings.intake_url, tokens),
        channels=build_channels(settings, http),
        links=links,
        space_url=settings.web_url.rstrip("/") + BENEFICIARY_SPACE_PATH,
        clock=clock,
        owner=owner_name(service.service_name),
        lease=timedelta(seconds=settings.lease_seconds),
        room_open_after_end=timedelta(minutes=settings.join_late_minutes),
    )
    feed_tokens = MongoFeedTokens(infra.database)
    router = build_feed_router(
        FeedDeps(
            tokens=feed_tokens,
            calendar=MongoCounsellorCalendar(infra.database),
            clock=clock,
            public_url=settings.public_url,
        )
    )
    return NotificationsWiring(
        dispatcher=NotificationDispatcher(dispatch, poll_interval=settings.poll_interval_ms / 1000),
        router=router,
        on_startup=[store.ensure_indexes, feed_tokens.ensure_indexes],
        links=links,
        store=store,
    )

"""When the "Rejoindre" buttons of appointments and information meetings may be pressed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from jalon_shared.links import JOIN_PURPOSE
from web.application.appointment_views import Appointment
from web.application.collective_views import CollectiveSession, SessionStatus
from web.application.room_views import (
    CLOSES_AFTER_END,
    COLLECTIVE_CLOSES_AFTER_START,
    OPENS_BEFORE,
    ROOM_MODALITIES,
)


class JoinWindow(StrEnum):
    """Where a meeting stands for its "Rejoindre" button."""

    SOON = "soon"
    OPEN = "open"
    CLOSED = "closed"


def _window(opens_at: datetime, closes_at: datetime, now: datetime) -> JoinWindow:
    if now < opens_at:
        return JoinWindow.SOON
    return JoinWindow.OPEN if now < closes_at else JoinWindow.CLOSED


def appointment_join_window(appointment: Appointment, now: datetime) -> JoinWindow | None:
    """Return the button's state for a booked phone or video appointment, else None."""
    if appointment.modality not in ROOM_MODALITIES or not appointment.is_booked:
        return None
    # The same bounds as the rooms service's defaults; the room page has the last word.
    return _window(
        appointment.starts_at - OPENS_BEFORE, appointment.ends_at + CLOSES_AFTER_END, now
    )


def collective_join_window(session: CollectiveSession, now: datetime) -> JoinWindow | None:
    """Return the button's state for a remote information meeting, else None."""
    if session.modality not in ROOM_MODALITIES or session.status is SessionStatus.CANCELLED:
        return None
    return _window(
        session.starts_at - OPENS_BEFORE, session.starts_at + COLLECTIVE_CLOSES_AFTER_START, now
    )


def join_opens_at(starts_at: datetime) -> datetime:
    """Return when a meeting starting at a time can be joined."""
    return starts_at - OPENS_BEFORE


class JoinLinkSigner(Protocol):
    """Signs links for a purpose."""

    def token(
        self, appointment_id: UUID, beneficiary_id: UUID, expires_at: datetime, purpose: str = ...
    ) -> str:
        """Return the signed token."""
        ...


def join_path(appointment: Appointment, links: JoinLinkSigner) -> str:
    """Return the join link page of an appointment's room, valid until the room closes."""
    token = links.token(
        appointment.appointment_id,
        appointment.beneficiary_id,
        appointment.ends_at + CLOSES_AFTER_END,
        JOIN_PURPOSE,
    )
    return f"/visio/{token}"

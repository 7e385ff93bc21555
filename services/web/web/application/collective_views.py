"""What the web front reads from the appointment service's collective sessions, typed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from jalon_shared.events.vocabulary import Modality
from web.application.views import View


class SessionStatus(StrEnum):
    """Where a collective session stands."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"


class RegistrationStatus(StrEnum):
    """Where one person's registration stands."""

    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    ABSENT = "absent"


#: Registrations that still count: they can be cancelled.
ACTIVE = frozenset({RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED})
#: Registrations holding a seat: their attendance can be taken.
SEATED = frozenset(
    {RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED, RegistrationStatus.ABSENT}
)
#: Where a face-to-face session can be moved, as the service allows.
REMOTE_MODALITIES = (Modality.VIDEO, Modality.PHONE)
SESSION_MODALITIES = (Modality.FACE_TO_FACE, Modality.VIDEO, Modality.PHONE)


class OwnRegistration(View):
    """The signed-in beneficiary's registration for a session."""

    registration_id: UUID
    status: RegistrationStatus
    registered_at: datetime
    waitlist_rank: int | None = None

    @property
    def active(self) -> bool:
        """Return whether it can still be cancelled."""
        return self.status in ACTIVE


class SessionRegistration(View):
    """A registration as staff of the region read it."""

    registration_id: UUID
    beneficiary_id: UUID
    case_id: UUID | None = None
    status: RegistrationStatus
    registered_at: datetime
    waitlist_rank: int | None = None

    @property
    def seated(self) -> bool:
        """Return whether attendance can be taken for it."""
        return self.status in SEATED


class CollectiveSession(View):
    """A collective information session with its counts."""

    session_id: UUID
    title: str
    partner: str | None = None
    region: str
    site: str | None = None
    modality: Modality
    starts_at: datetime
    ends_at: datetime
    capacity: int
    status: SessionStatus
    sequence: int = 0
    registered: int = 0
    waitlisted: int = 0
    seats_left: int = 0
    my_registration: OwnRegistration | None = None
    registrations: tuple[SessionRegistration, ...] | None = None

    def is_open(self, now: datetime) -> bool:
        """Return whether people can still register or leave (scheduled, not started)."""
        return self.status is SessionStatus.SCHEDULED and self.starts_at > now

    def started(self, now: datetime) -> bool:
        """Return whether attendance can be taken (started, and not cancelled)."""
        return self.status is not SessionStatus.CANCELLED and self.starts_at <= now


class Enrolment(View):
    """The appointment service's answer to a registration change."""

    registration_id: UUID
    session_id: UUID
    status: RegistrationStatus
    waitlist_rank: int | None = None

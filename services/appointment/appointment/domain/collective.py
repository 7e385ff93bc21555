"""Collective information sessions (réunions d'information collectives) and their registrations.

A session has a fixed number of seats. Who gets one is decided by the database, not here: a
registration takes a seat with one conditional increment of the session's count (only while it
is under the capacity), in the same transaction as the registration's insert, so concurrent
registrations on any number of replicas never overfill it. The rules below say what the outcome
means (a seat, or a place on the waitlist) and which changes each state allows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from jalon_shared.events.vocabulary import Modality

#: How a collective session can be run; written exchanges are for individual follow-up only.
SESSION_MODALITIES = frozenset({Modality.FACE_TO_FACE, Modality.PHONE, Modality.VIDEO})
#: Where a face-to-face session can be moved to when its site cannot host it.
REMOTE_MODALITIES = frozenset({Modality.PHONE, Modality.VIDEO})
MIN_CAPACITY = 1
MAX_CAPACITY = 500
MAX_TITLE = 200
MAX_PARTNER = 200
#: A session is a meeting, not a course: longer ones are typing mistakes.
MAX_LENGTH = timedelta(hours=12)
#: How far ahead a session can be planned; it also keeps every stored date far from overflow.
HORIZON = timedelta(days=2 * 365)


class SessionStatus(StrEnum):
    """Where a session stands."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    #: Attendance was taken: the session took place.
    HELD = "held"


class RegistrationStatus(StrEnum):
    """Where one person's registration stands."""

    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    ABSENT = "absent"


#: Registrations that still count: one per person and session at most.
ACTIVE = frozenset({RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED})
#: Registrations holding a seat (attendance keeps the seat it was taken on).
SEATED = frozenset(
    {RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED, RegistrationStatus.ABSENT}
)


class SessionInputError(ValueError):
    """Input a session cannot be made of, named after the field at fault."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


class SessionStateError(ValueError):
    """A change the session's or registration's state does not allow, with a reason code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _check_text(field: str, value: str | None, limit: int, *, required: bool) -> None:
    if value is None or not value.strip():
        if required:
            raise SessionInputError(field, "missing", f"the {field} is required")
        return
    if len(value) > limit:
        raise SessionInputError(field, "too_long", f"the {field} is at most {limit} characters")


@dataclass(frozen=True, slots=True)
class CollectiveSession:
    """One collective information meeting of a region, at a site or remote."""

    session_id: UUID
    title: str
    partner: str | None
    region: str
    site: str | None
    modality: Modality
    starts_at: datetime
    ends_at: datetime
    capacity: int
    status: SessionStatus = SessionStatus.SCHEDULED
    #: Bumped on every change registrants are told about (ICS SEQUENCE, stale notices).
    sequence: int = 0
    created_by: str = ""

    def __post_init__(self) -> None:
        _check_text("title", self.title, MAX_TITLE, required=True)
        _check_text("partner", self.partner, MAX_PARTNER, required=False)
        if self.starts_at.tzinfo is None:
            raise SessionInputError("starts_at", "naive_time", "times carry their offset")
        if self.ends_at.tzinfo is None:
            raise SessionInputError("ends_at", "naive_time", "times carry their offset")
        if self.ends_at <= self.starts_at:
            raise SessionInputError(
                "ends_at", "ends_before_start", "a session ends after it starts"
            )
        if self.ends_at - self.starts_at > MAX_LENGTH:
            raise SessionInputError("ends_at", "too_long", "a session lasts 12 hours at most")
        if not MIN_CAPACITY <= self.capacity <= MAX_CAPACITY:
            raise SessionInputError(
                "capacity",
                "out_of_range",
                f"the capacity is between {MIN_CAPACITY} and {MAX_CAPACITY}",
            )
        if self.modality not in SESSION_MODALITIES:
            raise SessionInputError(
                "modality", "unknown_modality", "a session is face to face, by phone or by video"
            )
        if self.modality is Modality.FACE_TO_FACE and not self.site:
            raise SessionInputError("site", "site_required", "a face-to-face session has a site")
        if self.modality is not Modality.FACE_TO_FACE and self.site:
            raise SessionInputError("site", "site_not_allowed", "a remote session has no site")

    @classmethod
    def plan(
        cls,
        *,
        session_id: UUID,
        title: str,
        partner: str | None,
        region: str,
        site: str | None,
        modality: Modality,
        starts_at: datetime,
        ends_at: datetime,
        capacity: int,
        created_by: str,
        now: datetime,
    ) -> CollectiveSession:
        """Return a new scheduled session, which must start ahead and within the horizon."""
        session = cls(
            session_id=session_id,
            title=title.strip(),
            partner=partner.strip() if partner and partner.strip() else None,
            region=region,
            site=site or None,
            modality=modality,
            # The store keeps milliseconds: whole seconds read back exactly as they were given.
            starts_at=starts_at.replace(microsecond=0),
            ends_at=ends_at.replace(microsecond=0),
            capacity=capacity,
            created_by=created_by,
        )
        if session.starts_at <= now:
            raise SessionInputError("starts_at", "in_the_past", "a new session starts ahead")
        if session.starts_at > now + HORIZON:
            raise SessionInputError(
                "starts_at", "too_far", "a session is planned two years ahead at most"
            )
        return session

    def is_open(self, now: datetime) -> bool:
        """Return whether people can still register (scheduled and not started)."""
        return self.status is SessionStatus.SCHEDULED and self.starts_at > now

    def check_open(self, now: datetime) -> None:
        """Refuse a registration change once the session is cancelled, held or started."""
        if self.status is SessionStatus.CANCELLED:
            raise SessionStateError("session_cancelled", "this session was cancelled")
        if self.status is SessionStatus.HELD or self.starts_at <= now:
            raise SessionStateError("session_started", "this session has already started")

    def requalified(self, modality: Modality, now: datetime) -> CollectiveSession:
        """Return the session moved to phone or video, which registrants are told about."""
        if modality not in REMOTE_MODALITIES:
            raise SessionInputError(
                "modality", "not_remote", "a session is requalified to phone or video"
            )
        self.check_open(now)
        if modality is self.modality:
            raise SessionStateError("same_modality", "the session already has this modality")
        return replace(self, modality=modality, site=None, sequence=self.sequence + 1)

    def cancelled(self, now: datetime) -> CollectiveSession:
        """Return the session cancelled; one that already ended cannot be."""
        if self.status is SessionStatus.CANCELLED:
            raise SessionStateError("session_cancelled", "this session was cancelled")
        if self.status is SessionStatus.HELD or self.ends_at <= now:
            raise SessionStateError("session_over", "this session has already taken place")
        return replace(self, status=SessionStatus.CANCELLED, sequence=self.sequence + 1)

    def held(self, now: datetime) -> CollectiveSession:
        """Return the session once attendance can be taken: started, and not cancelled."""
        if self.status is SessionStatus.CANCELLED:
            raise SessionStateError("session_cancelled", "this session was cancelled")
        if now < self.starts_at:
            raise SessionStateError(
                "session_not_started", "attendance is taken once the session has started"
            )
        return replace(self, status=SessionStatus.HELD)


def admission(seats_taken: int, capacity: int) -> RegistrationStatus:
    """Return what a new registration gets: a seat while one remains, else the waitlist."""
    return (
        RegistrationStatus.REGISTERED if seats_taken < capacity else RegistrationStatus.WAITLISTED
    )


@dataclass(frozen=True, slots=True)
class Registration:
    """One beneficiary's place in a session, or on its waitlist."""

    registration_id: UUID
    session_id: UUID
    beneficiary_id: UUID
    status: RegistrationStatus
    created_at: datetime
    #: Order of arrival in the session (seats and waitlist alike): the waitlist is served by it.
    position: int

    @classmethod
    def admitted(
        cls,
        *,
        registration_id: UUID,
        session_id: UUID,
        beneficiary_id: UUID,
        seated: bool,
        position: int,
        now: datetime,
    ) -> Registration:
        """Return a new registration: seated if the database gave it a seat, else waitlisted."""
        return cls(
            registration_id=registration_id,
            session_id=session_id,
            beneficiary_id=beneficiary_id,
            status=RegistrationStatus.REGISTERED if seated else RegistrationStatus.WAITLISTED,
            created_at=now,
            position=position,
        )

    @property
    def active(self) -> bool:
        """Return whether the registration still counts (registered or waitlisted)."""
        return self.status in ACTIVE

    @property
    def seated(self) -> bool:
        """Return whether the registration holds one of the session's seats."""
        return self.status in SEATED

    def cancelled(self, session: CollectiveSession, now: datetime) -> Registration:
        """Return the registration cancelled by its person, before the session starts."""
        if not self.active:
            raise SessionStateError("not_registered", "this registration is no longer active")
        session.check_open(now)
        return replace(self, status=RegistrationStatus.CANCELLED)

    def dropped(self) -> Registration:
        """Return the registration ended by the session's cancellation."""
        return replace(self, status=RegistrationStatus.CANCELLED)

    def promoted(self) -> Registration:
        """Return the waitlisted registration given a freed seat."""
        if self.status is not RegistrationStatus.WAITLISTED:
            raise SessionStateError("not_waitlisted", "only a waitlisted person is promoted")
        return replace(self, status=RegistrationStatus.REGISTERED)

    def marked(self, *, attended: bool, session: CollectiveSession, now: datetime) -> Registration:
        """Return the registration with its attendance, for seated people once started."""
        session.held(now)
        if not self.seated:
            raise SessionStateError(
                "not_registered", "attendance is taken for registered people only"
            )
        return replace(
            self, status=RegistrationStatus.ATTENDED if attended else RegistrationStatus.ABSENT
        )


def next_in_line(registrations: Iterable[Registration]) -> Registration | None:
    """Return the waitlisted registration a freed seat goes to: the earliest one."""
    waiting = [r for r in registrations if r.status is RegistrationStatus.WAITLISTED]
    return min(waiting, key=lambda r: r.position, default=None)


def waitlist_rank(registration: Registration, registrations: Iterable[Registration]) -> int | None:
    """Return a waitlisted registration's rank (1 is next), or None for anyone else."""
    if registration.status is not RegistrationStatus.WAITLISTED:
        return None
    ahead = sum(
        1
        for r in registrations
        if r.status is RegistrationStatus.WAITLISTED and r.position < registration.position
    )
    return ahead + 1


def free_seat_goes_to(
    session: CollectiveSession, waitlist: Iterable[Registration], now: datetime
) -> Registration | None:
    """Return who a freed seat promotes: the first waitlisted, while the session is open."""
    if not session.is_open(now):
        return None
    return next_in_line(waitlist)

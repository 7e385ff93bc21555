"""An appointment's life (booked, moved, cancelled, held, missed) and the cells it occupies.

No double booking is enforced by the database: an appointment inserts one document per grid
cell its time and buffers cover, under a unique index on (counsellor, cell), in the same
transaction as the appointment. Two bookings that overlap anywhere share a cell, so the second
insert fails whatever the lengths, replicas or timing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from appointment.domain.availability import AppointmentKind, Rules, on_grid
from jalon_shared.events.vocabulary import Modality


class Status(StrEnum):
    """Where an appointment stands."""

    BOOKED = "booked"
    CANCELLED = "cancelled"
    HELD = "held"
    NO_SHOW = "no_show"


class Party(StrEnum):
    """Who acts on an appointment, for the policy and the history."""

    BENEFICIARY = "beneficiary"
    COUNSELLOR = "counsellor"
    MANAGER = "manager"


class BookingError(ValueError):
    """A change the appointment's state or the policy does not allow, with a reason code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Policy:
    """What a beneficiary may do alone, and how close to the appointment."""

    #: No self-service cancel or move closer than this to the start; staff are not bound.
    self_service_window: timedelta = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Appointment:
    """One meeting of a case with its counsellor, in one modality."""

    appointment_id: UUID
    case_id: UUID
    beneficiary_id: UUID
    counsellor_id: str
    kind: AppointmentKind
    modality: Modality
    place: str
    starts_at: datetime
    ends_at: datetime
    status: Status = Status.BOOKED
    #: Bumped on every change, so calendar clients update the same event (ICS SEQUENCE).
    sequence: int = 0

    def __post_init__(self) -> None:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise BookingError("naive_time", "times carry their offset")
        if self.ends_at <= self.starts_at:
            raise BookingError("ends_before_start", "an appointment ends after it starts")

    def _check_open(self) -> None:
        if self.status is not Status.BOOKED:
            raise BookingError("not_booked", "only a booked appointment can change")

    def _check_window(self, by: Party, now: datetime, policy: Policy) -> None:
        if by is Party.BENEFICIARY and self.starts_at - now < policy.self_service_window:
            raise BookingError(
                "inside_policy_window",
                "too close to the appointment to change it yourself: contact your counsellor",
            )

    def moved(
        self, starts_at: datetime, ends_at: datetime, *, by: Party, now: datetime, policy: Policy
    ) -> Appointment:
        """Return the appointment at a new time, if the policy allows it."""
        self._check_open()
        self._check_window(by, now, policy)
        if starts_at <= now:
            raise BookingError("in_the_past", "a new time lies ahead")
        return replace(self, starts_at=starts_at, ends_at=ends_at, sequence=self.sequence + 1)

    def cancelled(self, *, by: Party, now: datetime, policy: Policy) -> Appointment:
        """Return the appointment cancelled, if the policy allows it."""
        self._check_open()
        self._check_window(by, now, policy)
        return replace(self, status=Status.CANCELLED, sequence=self.sequence + 1)

    def settled(self, status: Status, *, now: datetime) -> Appointment:
        """Return the appointment marked held or missed, once its start has passed."""
        self._check_open()
        if status not in (Status.HELD, Status.NO_SHOW):
            raise BookingError("not_an_outcome", "an appointment is held or missed")
        if now < self.starts_at:
            raise BookingError("not_started", "an appointment is settled after it starts")
        return replace(self, status=status)

    def requalified(self, modality: Modality, place: str) -> Appointment:
        """Return the appointment in another modality (consent is recorded by the caller)."""
        self._check_open()
        if modality is self.modality:
            raise BookingError("same_modality", "the appointment already has this modality")
        return replace(self, modality=modality, place=place, sequence=self.sequence + 1)


def cells(starts_at: datetime, ends_at: datetime, rules: Rules) -> list[datetime]:
    """Return the grid cells an appointment holds with its buffers, as UTC instants."""
    # Cells are as fine as the slot grid, so two widened intervals that meet share a cell.
    first = starts_at.astimezone(UTC) - rules.buffer_before
    last = ends_at.astimezone(UTC) + rules.buffer_after
    cell = on_grid(first, rules.step)
    if cell > first:
        cell -= rules.step
    held: list[datetime] = []
    while cell < last:
        held.append(cell)
        cell += rules.step
    return held

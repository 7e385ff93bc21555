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

from appointment.domain.availability import REMOTE, AppointmentKind, Rules, on_grid
from jalon_shared.events.vocabulary import AbsentParty, ConsentAnswer, Modality

#: Where an appointment can be moved to when its site cannot host it.
REMOTE_MODALITIES = frozenset({Modality.PHONE, Modality.VIDEO})


class Status(StrEnum):
    """Where an appointment stands."""

    BOOKED = "booked"
    CANCELLED = "cancelled"
    HELD = "held"
    NO_SHOW = "no_show"


class CancelReason(StrEnum):
    """Why an appointment was cancelled: codes, never free text (which may hold personal data)."""

    UNAVAILABLE = "unavailable"
    ILLNESS = "illness"
    NO_LONGER_NEEDED = "no_longer_needed"
    COUNSELLOR_UNAVAILABLE = "counsellor_unavailable"
    SITE_CLOSED = "site_closed"
    REQUALIFICATION_REFUSED = "requalification_refused"
    OTHER = "other"


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
class ModalityChange:
    """A switch to a remote modality proposed to the beneficiary, waiting for their answer."""

    to_modality: Modality
    requested_by: Party
    requested_at: datetime
    #: Set when the proposal comes from a whole site's closure.
    closure_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """The beneficiary's answer to a proposed change, with its time."""

    previous_modality: Modality
    proposed_modality: Modality
    answer: ConsentAnswer
    answered_at: datetime
    requested_by: Party
    closure_id: UUID | None = None

    @property
    def applied(self) -> bool:
        """Return whether the appointment now has the proposed modality."""
        return self.answer in (ConsentAnswer.ACCEPTED, ConsentAnswer.ACCEPTED_BY_PHONE)


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
    #: The case's region and site when booked: who manages it, and what reports count it under.
    region: str = ""
    site: str = ""
    status: Status = Status.BOOKED
    #: Bumped on every change, so calendar clients update the same event (ICS SEQUENCE).
    sequence: int = 0
    pending_change: ModalityChange | None = None
    consents: tuple[ConsentRecord, ...] = ()
    #: Why it was cancelled or missed: a reason code, never free text.
    reason: str | None = None
    absent: AbsentParty | None = None

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

    def cancelled(
        self, *, by: Party, now: datetime, policy: Policy, reason: str | None = None
    ) -> Appointment:
        """Return the appointment cancelled, if the policy allows it."""
        self._check_open()
        self._check_window(by, now, policy)
        return replace(
            self,
            status=Status.CANCELLED,
            sequence=self.sequence + 1,
            reason=reason,
            pending_change=None,
        )

    def settled(
        self,
        status: Status,
        *,
        now: datetime,
        absent: AbsentParty | None = None,
        reason: str | None = None,
    ) -> Appointment:
        """Return the appointment marked held or missed, once its start has passed."""
        self._check_open()
        if status not in (Status.HELD, Status.NO_SHOW):
            raise BookingError("not_an_outcome", "an appointment is held or missed")
        if now < self.starts_at:
            raise BookingError("not_started", "an appointment is settled after it starts")
        if status is Status.NO_SHOW and absent is None:
            raise BookingError("absent_required", "say who was absent")
        return replace(
            self,
            status=status,
            absent=absent if status is Status.NO_SHOW else None,
            reason=reason,
            pending_change=None,
        )

    def requalification_requested(
        self, modality: Modality, *, by: Party, now: datetime, closure_id: UUID | None = None
    ) -> Appointment:
        """Return the appointment with a switch to a remote modality proposed to its beneficiary."""
        self._check_open()
        if by is Party.BENEFICIARY:
            raise BookingError("staff_only", "staff propose a change of modality")
        if modality not in REMOTE_MODALITIES:
            raise BookingError("not_remote", "an appointment is requalified to phone or video")
        if modality is self.modality:
            raise BookingError("same_modality", "the appointment already has this modality")
        if self.starts_at <= now:
            raise BookingError("in_the_past", "only an appointment ahead can be requalified")
        if self.pending_change is not None and self.pending_change.to_modality is modality:
            raise BookingError("already_requested", "this change already waits for an answer")
        change = ModalityChange(modality, by, now, closure_id)
        return replace(self, pending_change=change)

    def consent_given(
        self, answer: ConsentAnswer, *, now: datetime, modality: Modality | None = None
    ) -> tuple[Appointment, ConsentRecord]:
        """Return the appointment after the beneficiary's answer, and the record of it.

        Accepting may pick the other remote modality (phone rather than video); refusing keeps
        the appointment as it was, or cancels it when the beneficiary chose so.
        """
        self._check_open()
        change = self.pending_change
        if change is None:
            raise BookingError("no_pending_change", "no change of modality waits for an answer")
        chosen = modality or change.to_modality
        if chosen not in REMOTE_MODALITIES:
            raise BookingError("not_remote", "an appointment is requalified to phone or video")
        record = ConsentRecord(
            previous_modality=self.modality,
            proposed_modality=chosen,
            answer=answer,
            answered_at=now,
            requested_by=change.requested_by,
            closure_id=change.closure_id,
        )
        consents = (*self.consents, record)
        if record.applied:
            changed = replace(
                self,
                modality=chosen,
                place=REMOTE,
                sequence=self.sequence + 1,
                pending_change=None,
                consents=consents,
            )
        elif answer is ConsentAnswer.REFUSED_CANCELLED:
            changed = replace(
                self,
                status=Status.CANCELLED,
                sequence=self.sequence + 1,
                reason="requalification_refused",
                pending_change=None,
                consents=consents,
            )
        else:
            changed = replace(self, pending_change=None, consents=consents)
        return changed, record


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

"""What the web front reads from the appointment service's API, typed; unknown fields are ignored.

The appointment service's own codes that the shared vocabulary does not hold (statuses, cancel
reasons, exception kinds...) are mirrored here, so the pages can label each one in French.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from jalon_shared.events.vocabulary import AbsentParty, AppointmentKind, ConsentAnswer, Modality

#: The zone the pages read and show times in.
LOCAL_ZONE = ZoneInfo("Europe/Paris")
#: The place of a meeting that is not at a site (phone, video, writing).
REMOTE = "remote"
#: The modalities a face-to-face appointment can be moved to.
REMOTE_MODALITIES = (Modality.VIDEO, Modality.PHONE)


class AppointmentStatus(StrEnum):
    """Where an appointment stands."""

    BOOKED = "booked"
    CANCELLED = "cancelled"
    HELD = "held"
    NO_SHOW = "no_show"


class CancelReason(StrEnum):
    """Why an appointment was cancelled."""

    UNAVAILABLE = "unavailable"
    ILLNESS = "illness"
    NO_LONGER_NEEDED = "no_longer_needed"
    COUNSELLOR_UNAVAILABLE = "counsellor_unavailable"
    SITE_CLOSED = "site_closed"
    REQUALIFICATION_REFUSED = "requalification_refused"
    OTHER = "other"


class NoShowReason(StrEnum):
    """Why an appointment did not take place."""

    ILLNESS = "illness"
    FORGOT = "forgot"
    TECHNICAL_PROBLEM = "technical_problem"
    EMERGENCY = "emergency"
    UNKNOWN = "unknown"


class ExceptionKind(StrEnum):
    """How a dated exception changes a counsellor's weekly plan."""

    UNAVAILABLE = "unavailable"
    EXTRA = "extra"


class ClosureStatus(StrEnum):
    """Where a site closure's work stands."""

    RUNNING = "running"
    DONE = "done"


#: The reasons a beneficiary may give when cancelling, and those staff may give.
BENEFICIARY_CANCEL_REASONS = (
    CancelReason.UNAVAILABLE,
    CancelReason.ILLNESS,
    CancelReason.NO_LONGER_NEEDED,
    CancelReason.OTHER,
)
STAFF_CANCEL_REASONS = (
    CancelReason.COUNSELLOR_UNAVAILABLE,
    CancelReason.UNAVAILABLE,
    CancelReason.ILLNESS,
    CancelReason.NO_LONGER_NEEDED,
    CancelReason.OTHER,
)


class AppointmentView(BaseModel):
    """A read-only answer; fields the service adds later are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Slot(AppointmentView):
    """A free slot (UTC) and its place: a site code, or "remote"."""

    starts_at: datetime
    ends_at: datetime
    place: str


class Slots(AppointmentView):
    """The answer of a slot search."""

    counsellor_id: str
    plan_time_zone: str
    slots: tuple[Slot, ...] = ()


class PendingChange(AppointmentView):
    """A remote modality proposed to the beneficiary, waiting for their answer."""

    to_modality: Modality
    requested_by: str
    requested_at: datetime
    closure_id: UUID | None = None


class Consent(AppointmentView):
    """An answer to a proposed change, with its time."""

    previous_modality: Modality
    proposed_modality: Modality
    answer: ConsentAnswer
    answered_at: datetime


class Appointment(AppointmentView):
    """An appointment as the personas' pages show it."""

    appointment_id: UUID
    case_id: UUID
    beneficiary_id: UUID
    counsellor_id: str
    kind: AppointmentKind
    modality: Modality
    place: str
    starts_at: datetime
    ends_at: datetime
    region: str = ""
    site: str = ""
    status: AppointmentStatus
    sequence: int = 0
    pending_change: PendingChange | None = None
    consents: tuple[Consent, ...] = ()
    reason: str | None = None
    absent: AbsentParty | None = None

    @property
    def is_booked(self) -> bool:
        """Return whether the appointment still takes place."""
        return self.status is AppointmentStatus.BOOKED

    @property
    def is_remote(self) -> bool:
        """Return whether the appointment is not at a site."""
        return self.place == REMOTE


class Window(AppointmentView):
    """A weekly opening in the counsellor's wall-clock time."""

    weekday: int
    start: str
    end: str
    place: str


class Rules(AppointmentView):
    """Lengths, buffers, notice and horizon of a plan."""

    first_meeting_minutes: int = 60
    follow_up_minutes: int = 45
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 15
    notice_hours: int = 24
    horizon_days: int = 60


class PlanException(AppointmentView):
    """Leave, a closure or a one-off extra opening."""

    kind: ExceptionKind
    starts_at: datetime
    ends_at: datetime
    place: str = REMOTE


class Plan(AppointmentView):
    """A counsellor's published plan."""

    time_zone: str
    windows: tuple[Window, ...] = ()
    rules: Rules = Rules()
    exceptions: tuple[PlanException, ...] = ()


class Closure(AppointmentView):
    """A site closure and its progress."""

    closure_id: UUID
    region: str
    site: str
    starts_at: datetime
    ends_at: datetime
    to_modality: Modality
    status: ClosureStatus
    total: int = 0
    processed: int = 0
    created_at: datetime

    @property
    def running(self) -> bool:
        """Return whether the closure is still being applied."""
        return self.status is ClosureStatus.RUNNING


class Waitlist(AppointmentView):
    """Whether a case waits for an earlier slot."""

    case_id: UUID
    waiting: bool

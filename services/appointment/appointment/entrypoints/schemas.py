"""Appointment's HTTP schemas: strict request bodies that build commands, and the views answered."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from appointment.domain.availability import (
    AppointmentKind,
    DatedException,
    ExceptionKind,
    Plan,
    Rules,
    Slot,
    WeeklyWindow,
)
from appointment.domain.booking import Appointment, CancelReason, Status
from appointment.domain.closure import SiteClosure
from jalon_shared.events.vocabulary import AbsentParty, ConsentAnswer, Modality

CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=CODE_PATTERN)]
ClockTime = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
ZoneName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
RemoteModality = Literal[Modality.PHONE, Modality.VIDEO]


def _iso_text(value: object) -> object:
    """Refuse a number where a time is due: lax parsing would read it as seconds since 1970."""
    if not isinstance(value, str | datetime):
        raise PydanticCustomError("datetime_type", "Input should be an ISO 8601 date-time")
    return value


#: A time with its offset, written as ISO 8601 text.
Instant = Annotated[AwareDatetime, BeforeValidator(_iso_text)]


class Form(BaseModel):
    """A request body: unknown fields are refused, values are not coerced silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class WindowForm(Form):
    """A weekly opening in the counsellor's wall-clock time."""

    weekday: StrictInt = Field(ge=0, le=6, description="0 is Monday, 6 is Sunday")
    start: ClockTime
    end: ClockTime
    place: Code = Field(description='A site code, or "remote"')


class RulesForm(Form):
    """Lengths, buffers, notice and horizon."""

    first_meeting_minutes: StrictInt = Field(default=60, ge=15, le=240)
    follow_up_minutes: StrictInt = Field(default=45, ge=15, le=240)
    buffer_before_minutes: StrictInt = Field(default=0, ge=0, le=120)
    buffer_after_minutes: StrictInt = Field(default=15, ge=0, le=120)
    notice_hours: StrictInt = Field(default=24, ge=0, le=24 * 14)
    horizon_days: StrictInt = Field(default=60, ge=1, le=365)


class ExceptionForm(Form):
    """Leave, a closure or a one-off extra opening."""

    kind: ExceptionKind
    starts_at: Instant
    ends_at: Instant
    place: Code = "remote"


class PlanForm(Form):
    """A counsellor's whole plan."""

    time_zone: ZoneName = "Europe/Paris"
    windows: list[WindowForm] = Field(max_length=70)
    rules: RulesForm = RulesForm()
    exceptions: list[ExceptionForm] = Field(default_factory=list, max_length=200)

    def to_plan(self) -> Plan:
        """Build the domain plan (its checks raise AvailabilityError naming the field)."""
        return Plan(
            time_zone=self.time_zone,
            windows=tuple(
                WeeklyWindow(
                    weekday=w.weekday,
                    start=time.fromisoformat(w.start),
                    end=time.fromisoformat(w.end),
                    place=w.place,
                )
                for w in self.windows
            ),
            rules=Rules(
                lengths={
                    AppointmentKind.FIRST_MEETING: timedelta(
                        minutes=self.rules.first_meeting_minutes
                    ),
                    AppointmentKind.FOLLOW_UP: timedelta(minutes=self.rules.follow_up_minutes),
                },
                buffer_before=timedelta(minutes=self.rules.buffer_before_minutes),
                buffer_after=timedelta(minutes=self.rules.buffer_after_minutes),
                minimum_notice=timedelta(hours=self.rules.notice_hours),
                horizon=timedelta(days=self.rules.horizon_days),
            ),
            exceptions=tuple(
                DatedException(kind=e.kind, starts_at=e.starts_at, ends_at=e.ends_at, place=e.place)
                for e in sorted(self.exceptions, key=lambda e: e.starts_at)
            ),
        )


class PlanView(BaseModel):
    """A published plan, as the editor shows it."""

    time_zone: str
    windows: list[WindowForm]
    rules: RulesForm
    exceptions: list[ExceptionForm]

    @classmethod
    def of(cls, plan: Plan) -> PlanView:
        """Return the view of a plan."""
        rules = plan.rules
        return cls(
            time_zone=plan.time_zone,
            windows=[
                WindowForm(
                    weekday=w.weekday,
                    start=w.start.strftime("%H:%M"),
                    end=w.end.strftime("%H:%M"),
                    place=w.place,
                )
                for w in plan.windows
            ],
            rules=RulesForm(
                first_meeting_minutes=int(
                    rules.lengths[AppointmentKind.FIRST_MEETING].total_seconds() // 60
                ),
                follow_up_minutes=int(
                    rules.lengths[AppointmentKind.FOLLOW_UP].total_seconds() // 60
                ),
                buffer_before_minutes=int(rules.buffer_before.total_seconds() // 60),
                buffer_after_minutes=int(rules.buffer_after.total_seconds() // 60),
                notice_hours=int(rules.minimum_notice.total_seconds() // 3600),
                horizon_days=rules.horizon.days,
            ),
            exceptions=[
                ExceptionForm(kind=e.kind, starts_at=e.starts_at, ends_at=e.ends_at, place=e.place)
                for e in plan.exceptions
            ],
        )


class SlotView(BaseModel):
    """A free slot, in UTC, with its place."""

    starts_at: datetime
    ends_at: datetime
    place: str

    @classmethod
    def of(cls, slot: Slot) -> SlotView:
        """Return the view of a slot."""
        return cls(starts_at=slot.starts_at, ends_at=slot.ends_at, place=slot.place)


class SlotsView(BaseModel):
    """The answer of a slot search."""

    counsellor_id: str
    plan_time_zone: str
    slots: list[SlotView]


class BookForm(Form):
    """A booking: the modality, the kind, and the slot's start (an asynchronous one's due time)."""

    modality: Modality
    kind: AppointmentKind = AppointmentKind.FOLLOW_UP
    starts_at: Instant
    place: Code | None = None


class RescheduleForm(Form):
    """A new start."""

    starts_at: Instant


class CancelForm(Form):
    """Why the appointment is cancelled (a code)."""

    reason: CancelReason = CancelReason.UNAVAILABLE


class OutcomeForm(Form):
    """How the appointment went."""

    status: Literal[Status.HELD, Status.NO_SHOW]
    absent: AbsentParty | None = None
    reason: Literal["illness", "forgot", "technical_problem", "emergency", "unknown"] | None = None


class RequalifyForm(Form):
    """The remote modality proposed."""

    modality: RemoteModality


class ConsentForm(Form):
    """The beneficiary's answer; accepting may choose phone or video."""

    answer: ConsentAnswer
    modality: RemoteModality | None = None


class ClosureForm(Form):
    """A site closure."""

    site: Code
    starts_at: Instant
    ends_at: Instant
    to_modality: RemoteModality = Modality.VIDEO


class ChangeView(BaseModel):
    """A proposed change of modality waiting for the beneficiary's answer."""

    to_modality: Modality
    requested_by: str
    requested_at: datetime
    closure_id: UUID | None


class ConsentView(BaseModel):
    """A recorded answer."""

    previous_modality: Modality
    proposed_modality: Modality
    answer: ConsentAnswer
    answered_at: datetime


class AppointmentView(BaseModel):
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
    region: str
    site: str
    status: Status
    sequence: int
    pending_change: ChangeView | None
    consents: list[ConsentView]
    reason: str | None
    absent: AbsentParty | None

    @classmethod
    def of(cls, a: Appointment) -> AppointmentView:
        """Return the view of an appointment."""
        pending = a.pending_change
        return cls(
            appointment_id=a.appointment_id,
            case_id=a.case_id,
            beneficiary_id=a.beneficiary_id,
            counsellor_id=a.counsellor_id,
            kind=a.kind,
            modality=a.modality,
            place=a.place,
            starts_at=a.starts_at,
            ends_at=a.ends_at,
            region=a.region,
            site=a.site,
            status=a.status,
            sequence=a.sequence,
            pending_change=None
            if pending is None
            else ChangeView(
                to_modality=pending.to_modality,
                requested_by=pending.requested_by.value,
                requested_at=pending.requested_at,
                closure_id=pending.closure_id,
            ),
            consents=[
                ConsentView(
                    previous_modality=c.previous_modality,
                    proposed_modality=c.proposed_modality,
                    answer=c.answer,
                    answered_at=c.answered_at,
                )
                for c in a.consents
            ],
            reason=a.reason,
            absent=a.absent,
        )


class ClosureView(BaseModel):
    """A site closure and its progress."""

    closure_id: UUID
    region: str
    site: str
    starts_at: datetime
    ends_at: datetime
    to_modality: Modality
    status: str
    total: int
    processed: int
    created_at: datetime

    @classmethod
    def of(cls, c: SiteClosure) -> ClosureView:
        """Return the view of a closure."""
        return cls(
            closure_id=c.closure_id,
            region=c.region,
            site=c.site,
            starts_at=c.starts_at,
            ends_at=c.ends_at,
            to_modality=c.to_modality,
            status=c.status.value,
            total=c.total,
            processed=c.processed,
            created_at=c.created_at,
        )


class WaitlistView(BaseModel):
    """Whether a case waits for an earlier slot."""

    case_id: UUID
    waiting: bool

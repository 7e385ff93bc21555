"""HTTP schemas of collective sessions: strict request bodies, and the views routes answer."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Literal, cast
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from appointment.application.collective_ports import SessionLine
from appointment.application.create_collective_session import SessionDraft
from appointment.application.list_collective_sessions import OwnRegistration
from appointment.application.show_collective_session import Attendee
from appointment.domain.collective import Registration
from jalon_shared.events.vocabulary import Modality

CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
SessionModality = Literal["face_to_face", "phone", "video"]
RemoteModality = Literal["phone", "video"]
SessionState = Literal["scheduled", "cancelled", "held"]
RegistrationState = Literal["registered", "waitlisted", "cancelled", "attended", "absent"]


def single_line(value: str) -> str:
    """Drop control and format characters (line breaks, zero-width, bidi controls) and trim."""
    cleaned = "".join(ch for ch in value if unicodedata.category(ch) not in ("Cc", "Cf")).strip()
    if not cleaned:
        raise PydanticCustomError("string_too_short", "String should have at least 1 character")
    return cleaned


Title = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(single_line)]
Partner = Annotated[
    str, StringConstraints(min_length=1, max_length=200), AfterValidator(single_line)
]


class Form(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class SessionForm(Form):
    """A new session; its region is the manager's own (the token's), never the body's."""

    title: Title = Field(description="What the session is about, as registrants see it")
    partner: Partner | None = Field(
        default=None, description="The partner running it with the CEP (e.g. Transitions Pro)"
    )
    modality: SessionModality
    site: Annotated[str, Field(pattern=CODE_PATTERN)] | None = Field(
        default=None, description="A site of the region, for a face-to-face session only"
    )
    starts_at: AwareDatetime
    ends_at: AwareDatetime = Field(description="After starts_at, 12 hours later at most")
    capacity: Annotated[int, Field(ge=1, le=500, strict=True)]

    def draft(self) -> SessionDraft:
        """Return the use case's input."""
        return SessionDraft(
            title=self.title,
            partner=self.partner,
            modality=Modality(self.modality),
            site=self.site,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            capacity=self.capacity,
        )


class AttendanceForm(Form):
    """Whether one registered person came."""

    registration_id: UUID
    attended: StrictBool


class RequalifyForm(Form):
    """The remote modality a session moves to."""

    modality: RemoteModality


class OwnRegistrationView(BaseModel):
    """The caller's own registration for a session."""

    registration_id: UUID
    status: RegistrationState
    registered_at: datetime
    #: 1 is next in line; set only while waitlisted.
    waitlist_rank: int | None

    @classmethod
    def of(cls, own: OwnRegistration) -> OwnRegistrationView:
        """Return the view of the caller's registration."""
        r = own.registration
        return cls(
            registration_id=r.registration_id,
            status=r.status.value,
            registered_at=r.created_at,
            waitlist_rank=own.waitlist_rank,
        )


class RegistrationView(BaseModel):
    """A registration as staff of the region see it."""

    registration_id: UUID
    beneficiary_id: UUID
    #: The person's case in the session's region, for staff to open their file.
    case_id: UUID | None
    status: RegistrationState
    registered_at: datetime
    waitlist_rank: int | None

    @classmethod
    def of(cls, attendee: Attendee) -> RegistrationView:
        """Return the staff view of a registration."""
        r = attendee.registration
        return cls(
            registration_id=r.registration_id,
            beneficiary_id=r.beneficiary_id,
            case_id=attendee.case_id,
            status=r.status.value,
            registered_at=r.created_at,
            waitlist_rank=attendee.waitlist_rank,
        )


class SessionView(BaseModel):
    """A session with its counts; never another person's id for a beneficiary."""

    session_id: UUID
    title: str
    partner: str | None
    region: str
    site: str | None
    modality: SessionModality
    starts_at: datetime
    ends_at: datetime
    capacity: int
    status: SessionState
    sequence: int
    registered: int
    waitlisted: int
    seats_left: int
    #: A beneficiary's own registration (null for staff, or when they hold none).
    my_registration: OwnRegistrationView | None = None
    #: Every registration, for staff reading one session; null otherwise.
    registrations: list[RegistrationView] | None = None

    @classmethod
    def of(
        cls,
        line: SessionLine,
        *,
        own: OwnRegistration | None = None,
        attendees: list[Attendee] | None = None,
    ) -> SessionView:
        """Return the view of a session."""
        s = line.session
        return cls(
            session_id=s.session_id,
            title=s.title,
            partner=s.partner,
            region=s.region,
            site=s.site,
            modality=cast(SessionModality, s.modality.value),
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            capacity=s.capacity,
            status=s.status.value,
            sequence=s.sequence,
            registered=line.registered,
            waitlisted=line.waitlisted,
            seats_left=line.seats_left,
            my_registration=OwnRegistrationView.of(own) if own else None,
            registrations=[RegistrationView.of(a) for a in attendees]
            if attendees is not None
            else None,
        )


class RegistrationAnswer(BaseModel):
    """A registration's status after a change."""

    registration_id: UUID
    session_id: UUID
    status: RegistrationState
    waitlist_rank: int | None = None

    @classmethod
    def of(cls, registration: Registration, rank: int | None = None) -> RegistrationAnswer:
        """Return the answer for a registration."""
        return cls(
            registration_id=registration.registration_id,
            session_id=registration.session_id,
            status=registration.status.value,
            waitlist_rank=rank,
        )

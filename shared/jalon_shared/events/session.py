"""Events published by the remote-session service: ids only, never a message's text."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from jalon_shared.events import topics
from jalon_shared.events.envelope import Event
from jalon_shared.events.vocabulary import (
    CallOutcome,
    LeaveReason,
    Modality,
    ParticipantRole,
    RoomKind,
)

#: A region code, as the appointment events carry it.
_Region = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")

#: Who wrote a message: the case's beneficiary or its counsellor.
MessageAuthor = Literal["beneficiary", "counsellor"]


class SessionMessagePosted(Event):
    """A message was posted to a case's thread."""

    TOPIC: ClassVar[str] = topics.SESSION
    KEY_FIELD: ClassVar[str] = "case_id"

    event_type: Literal["session.message_posted"] = "session.message_posted"
    schema_version: Literal[1] = 1
    message_id: UUID
    case_id: UUID
    beneficiary_id: UUID
    author_role: MessageAuthor


class SessionTaskAssigned(Event):
    """The case's counsellor assigned a task to the beneficiary."""

    TOPIC: ClassVar[str] = topics.SESSION
    KEY_FIELD: ClassVar[str] = "case_id"

    event_type: Literal["session.task_assigned"] = "session.task_assigned"
    schema_version: Literal[1] = 1
    task_id: UUID
    case_id: UUID
    beneficiary_id: UUID
    due_on: dt.date


class SessionTaskCompleted(Event):
    """The beneficiary completed a task."""

    TOPIC: ClassVar[str] = topics.SESSION
    KEY_FIELD: ClassVar[str] = "case_id"

    event_type: Literal["session.task_completed"] = "session.task_completed"
    schema_version: Literal[1] = 1
    task_id: UUID
    case_id: UUID
    beneficiary_id: UUID


class SessionOpened(Event):
    """A room was opened for a phone or video appointment, or a collective session."""

    TOPIC: ClassVar[str] = topics.SESSION
    KEY_FIELD: ClassVar[str] = "room_id"

    event_type: Literal["session.opened"] = "session.opened"
    schema_version: Literal[1] = 1
    room_id: UUID
    kind: RoomKind
    modality: Modality
    appointment_id: UUID | None = None
    collective_session_id: UUID | None = None
    case_id: UUID | None = None
    beneficiary_id: UUID | None = None
    counsellor_id: str | None = None
    starts_at: AwareDatetime
    region: str | None = _Region


class SessionParticipantJoined(Event):
    """A participant's media connected in a room (again, after a drop, when rejoin is set)."""

    TOPIC: ClassVar[str] = topics.SESSION
    KEY_FIELD: ClassVar[str] = "room_id"

    event_type: Literal["session.participant_joined"] = "session.participant_joined"
    schema_version: Literal[1] = 1
    room_id: UUID
    role: ParticipantRole
    participant_id: str = Field(min_length=1, max_length=80)
    rejoin: bool = False


class SessionParticipantLeft(Event):
    """A participant left a room: hung up, dropped, or was removed."""

    TOPIC: ClassVar[str] = topics.SESSION
    KEY_FIELD: ClassVar[str] = "room_id"

    event_type: Literal["session.participant_left"] = "session.participant_left"
    schema_version: Literal[1] = 1
    room_id: UUID
    role: ParticipantRole
    participant_id: str = Field(min_length=1, max_length=80)
    reason: LeaveReason


class SessionEnded(Event):
    """A session took place and ended: its measured duration and the modality actually used."""

    TOPIC: ClassVar[str] = topics.SESSION
    KEY_FIELD: ClassVar[str] = "room_id"

    event_type: Literal["session.ended"] = "session.ended"
    schema_version: Literal[1] = 1
    room_id: UUID
    kind: RoomKind
    appointment_id: UUID | None = None
    collective_session_id: UUID | None = None
    case_id: UUID | None = None
    beneficiary_id: UUID | None = None
    counsellor_id: str | None = None
    started_at: AwareDatetime
    ended_at: AwareDatetime
    duration_seconds: float = Field(ge=0)
    #: Video when video flowed both ways at some point, else phone (an audio-only call).
    modality: Modality
    #: Someone dropped to audio only during the session.
    audio_only: bool
    participants: int = Field(ge=0)
    region: str | None = _Region


class SessionCallLogged(Event):
    """A counsellor logged a phone call placed outside the system."""

    TOPIC: ClassVar[str] = topics.SESSION
    KEY_FIELD: ClassVar[str] = "case_id"

    event_type: Literal["session.call_logged"] = "session.call_logged"
    schema_version: Literal[1] = 1
    call_id: UUID
    case_id: UUID
    beneficiary_id: UUID
    counsellor_id: str
    started_at: AwareDatetime
    ended_at: AwareDatetime
    duration_seconds: float = Field(ge=0)
    outcome: CallOutcome

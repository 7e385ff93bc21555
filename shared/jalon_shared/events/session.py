"""Events published by the remote-session service: ids only, never a message's text."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal
from uuid import UUID

from jalon_shared.events import topics
from jalon_shared.events.envelope import Event

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

"""The events a thread's and a task's changes produce, built one way for every use case."""

from __future__ import annotations

from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.session import (
    SessionMessagePosted,
    SessionTaskAssigned,
    SessionTaskCompleted,
)
from remote_session.domain.tasks import Task
from remote_session.domain.threads import Message


def message_posted(message: Message, meta: EventMeta) -> SessionMessagePosted:
    """Return the event of a posted message (ids and side only, never its text)."""
    return SessionMessagePosted(
        **meta.envelope(),
        message_id=message.message_id,
        case_id=message.case_id,
        beneficiary_id=message.beneficiary_id,
        author_role=message.author_role.value,
    )


def task_assigned(task: Task, meta: EventMeta) -> SessionTaskAssigned:
    """Return the event of an assigned task."""
    return SessionTaskAssigned(
        **meta.envelope(),
        task_id=task.task_id,
        case_id=task.case_id,
        beneficiary_id=task.beneficiary_id,
        due_on=task.due_on,
    )


def task_completed(task: Task, meta: EventMeta) -> SessionTaskCompleted:
    """Return the event of a completed task."""
    return SessionTaskCompleted(
        **meta.envelope(),
        task_id=task.task_id,
        case_id=task.case_id,
        beneficiary_id=task.beneficiary_id,
    )

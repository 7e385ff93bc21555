"""What the service tells a beneficiary, and when: notices queued with the change causing them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID


class Template(StrEnum):
    """Which message a notice becomes once rendered."""

    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    REMINDER_48H = "reminder_48h"
    REMINDER_2H = "reminder_2h"
    CONSENT_REQUESTED = "consent_requested"
    MODALITY_CHANGED = "modality_changed"
    SLOT_FREED = "slot_freed"
    SESSION_REGISTERED = "session_registered"
    SESSION_WAITLISTED = "session_waitlisted"
    SESSION_PROMOTED = "session_promoted"
    SESSION_REQUALIFIED = "session_requalified"
    SESSION_CANCELLED = "session_cancelled"


#: How long before an appointment each reminder goes out.
REMINDERS: dict[Template, timedelta] = {
    Template.REMINDER_48H: timedelta(hours=48),
    Template.REMINDER_2H: timedelta(hours=2),
}


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to send to a beneficiary, at or after a time.

    The key is unique: queuing the same notice twice (a retried transaction, a resumed closure)
    keeps one, and a reminder keyed by the appointment's sequence goes stale once it moves.
    """

    key: str
    template: Template
    beneficiary_id: UUID
    due_at: datetime
    appointment_id: UUID | None = None
    session_id: UUID | None = None
    #: The appointment's sequence when queued; a reminder for an older one is dropped.
    sequence: int = 0


def appointment_notice(
    template: Template,
    *,
    appointment_id: UUID,
    beneficiary_id: UUID,
    sequence: int,
    now: datetime,
    tag: str = "",
) -> Notice:
    """Return a notice about an appointment to send now."""
    suffix = f":{tag}" if tag else ""
    return Notice(
        key=f"{appointment_id}:{template.value}:{sequence}{suffix}",
        template=template,
        beneficiary_id=beneficiary_id,
        due_at=now,
        appointment_id=appointment_id,
        sequence=sequence,
    )


def reminders(
    *,
    appointment_id: UUID,
    beneficiary_id: UUID,
    sequence: int,
    starts_at: datetime,
    now: datetime,
) -> list[Notice]:
    """Return the reminders still ahead of an appointment at this sequence."""
    return [
        Notice(
            key=f"{appointment_id}:{template.value}:{sequence}",
            template=template,
            beneficiary_id=beneficiary_id,
            due_at=starts_at - before,
            appointment_id=appointment_id,
            sequence=sequence,
        )
        for template, before in REMINDERS.items()
        if starts_at - before > now
    ]


def session_notice(
    template: Template, *, session_id: UUID, beneficiary_id: UUID, now: datetime, tag: str = ""
) -> Notice:
    """Return a notice about a collective session to send now."""
    suffix = f":{tag}" if tag else ""
    return Notice(
        key=f"{session_id}:{beneficiary_id}:{template.value}{suffix}",
        template=template,
        beneficiary_id=beneficiary_id,
        due_at=now,
        session_id=session_id,
    )

"""Use case step: tell the counsellor's waitlist that a slot was freed."""

from __future__ import annotations

from datetime import datetime

from appointment.application.ports import AppointmentTransaction
from appointment.domain.booking import Appointment
from appointment.domain.notices import Notice, Template
from jalon_shared.events.vocabulary import Modality

#: How many waiting people hear of one freed slot; the first to book it gets it.
OFFERED_TO = 5


async def offer_freed_slot(tx: AppointmentTransaction, freed: Appointment, now: datetime) -> int:
    """Queue a slot-freed notice to the oldest waiting cases of the counsellor; return how many."""
    if freed.modality is Modality.ASYNCHRONOUS or freed.starts_at <= now:
        return 0
    waiting = [w for w in await tx.waitlist(freed.counsellor_id) if w.case_id != freed.case_id]
    notices = [
        Notice(
            key=f"{freed.appointment_id}:{Template.SLOT_FREED.value}:{freed.sequence}:{w.case_id}",
            template=Template.SLOT_FREED,
            beneficiary_id=w.beneficiary_id,
            due_at=now,
            appointment_id=freed.appointment_id,
            sequence=freed.sequence,
        )
        for w in waiting[:OFFERED_TO]
    ]
    tx.notify(*notices)
    return len(notices)

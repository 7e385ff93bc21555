"""Use case: a call the counsellor logged counts on the case, as a contact or an attempt."""

from __future__ import annotations

from intake.application.ports import IntakeTransaction
from intake.domain.model import Actor
from jalon_shared.access import Role
from jalon_shared.events.envelope import Event
from jalon_shared.events.session import SessionCallLogged
from jalon_shared.events.vocabulary import CallOutcome


async def record_call(event: Event, tx: IntakeTransaction) -> bool:
    """Fold a logged call into its case; return whether the case changed."""
    if not isinstance(event, SessionCallLogged):
        return False
    case = await tx.case(event.case_id)
    # An erased person's case lives on under new ids: a late call about them finds nothing.
    if case is None or case.beneficiary_id != event.beneficiary_id:
        return False
    if event.outcome is CallOutcome.REACHED:
        previous = (case.last_contact_at, case.status)
        case.record_contact(event.ended_at)
        if (case.last_contact_at, case.status) == previous:
            return False
    else:
        caller = Actor(Role.COUNSELLOR.value, staff_id=event.counsellor_id)
        if not case.call_attempted(event.outcome, caller, event.ended_at):
            return False
    await tx.save_case(case)
    return True

"""Use cases: ask to hear of an earlier slot with the case's counsellor, or stop asking."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from appointment.application.access import reachable_case
from appointment.application.book_appointment import open_counsellor
from appointment.application.ports import (
    AppointmentTransaction,
    CaseDirectory,
    UnitOfWork,
    WaitlistEntry,
)
from jalon_shared.access import Principal


async def join_waitlist(
    uow: UnitOfWork, directory: CaseDirectory, principal: Principal, case_id: UUID, *, now: datetime
) -> WaitlistEntry:
    """Put the case on its counsellor's waitlist (once)."""
    case = await reachable_case(directory, principal, case_id)
    entry = WaitlistEntry(
        case_id=case.case_id,
        beneficiary_id=case.beneficiary_id,
        counsellor_id=open_counsellor(case),
        created_at=now,
    )

    async def work(tx: AppointmentTransaction) -> WaitlistEntry:
        await tx.join_waitlist(entry)
        return entry

    return await uow.run(work)


async def leave_waitlist(
    uow: UnitOfWork, directory: CaseDirectory, principal: Principal, case_id: UUID
) -> None:
    """Take the case off the waitlist."""
    await reachable_case(directory, principal, case_id)

    async def work(tx: AppointmentTransaction) -> None:
        await tx.leave_waitlist(case_id)

    await uow.run(work)

"""Use case: add a counsellor to the staff directory, or update them."""

from __future__ import annotations

from intake.application.ports import IntakeTransaction, UnitOfWork
from intake.domain.commands import RegisterCounsellor
from intake.domain.model import Counsellor
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.intake import CounsellorRegistered, CounsellorUpdated


async def register_counsellor(
    command: RegisterCounsellor, *, uow: UnitOfWork, meta: EventMeta
) -> Counsellor:
    """Upsert the counsellor, keeping their current caseload size, and announce it."""

    async def work(tx: IntakeTransaction) -> Counsellor:
        existing = await tx.counsellor(command.counsellor_id)
        counsellor = Counsellor(
            **command.model_dump(), open_cases=existing.open_cases if existing else 0
        )
        await tx.save_counsellor(counsellor)
        fields = command.model_dump()
        if existing is None:
            tx.emit(CounsellorRegistered(**meta.envelope(), **fields))
        else:
            tx.emit(CounsellorUpdated(**meta.envelope(), **fields))
        return counsellor

    return await uow.run(work)

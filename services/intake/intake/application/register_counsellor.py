"""Use case: add a counsellor to the staff directory, or update them."""

from __future__ import annotations

from dataclasses import asdict

from intake.application.case_steps import check_place
from intake.application.errors import ForbiddenError
from intake.application.ports import IntakeTransaction, UnitOfWork
from intake.domain.commands import RegisterCounsellor
from intake.domain.model import Counsellor, DomainError
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.intake import CounsellorRegistered, CounsellorUpdated


async def register_counsellor(
    command: RegisterCounsellor,
    *,
    uow: UnitOfWork,
    meta: EventMeta,
    acting_region: str | None = None,
) -> Counsellor:
    """Upsert the counsellor, keeping their current caseload size, and announce it."""

    async def work(tx: IntakeTransaction) -> Counsellor:
        existing = await tx.counsellor(command.counsellor_id)
        if existing is not None:
            # A manager names their region: another region's counsellor is not theirs to edit.
            if acting_region is not None and existing.region != acting_region:
                raise ForbiddenError("the counsellor works in another region")
            if existing.region != command.region and existing.open_cases > 0:
                # Their cases belong to the old region's staff and reports: hand them over first.
                raise DomainError("hand the counsellor's open cases over before a region change")
        if existing is None or (existing.region, existing.site) != (command.region, command.site):
            # A counsellor already placed keeps a site that has since closed, until moved.
            await check_place(tx, command.region, command.site)
        fields = asdict(command)
        counsellor = Counsellor(**fields, open_cases=existing.open_cases if existing else 0)
        await tx.save_counsellor(counsellor)
        if existing is None:
            tx.emit(CounsellorRegistered(**meta.envelope(), **fields))
        else:
            tx.emit(CounsellorUpdated(**meta.envelope(), **fields))
        return counsellor

    return await uow.run(work)

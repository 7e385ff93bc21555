"""Use case: an operator registers a region and its sites; the other services copy the event."""

from __future__ import annotations

from intake.application.ports import IntakeTransaction, UnitOfWork
from intake.domain.commands import RegisterRegion
from intake.domain.model import DomainError
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.intake import RegionRegistered, RegisteredSite
from jalon_shared.places import Region


async def register_region(command: RegisterRegion, *, uow: UnitOfWork, meta: EventMeta) -> Region:
    """Upsert the region and announce the whole entry, keyed by its code."""

    async def work(tx: IntakeTransaction) -> Region:
        existing = await tx.region(command.code)
        if existing is not None:
            kept = {site.code for site in command.sites}
            dropped = [site.code for site in existing.sites if site.code not in kept]
            if dropped:
                # Cases and counsellors name sites: a site closes, it never disappears.
                raise DomainError("a known site cannot be removed; mark it inactive instead")
        region = Region(code=command.code, label=command.label, sites=command.sites)
        await tx.save_region(region)
        tx.emit(
            RegionRegistered(
                **meta.envelope(),
                region=region.code,
                label=region.label,
                sites=tuple(RegisteredSite(**site.model_dump()) for site in region.sites),
            )
        )
        return region

    return await uow.run(work)

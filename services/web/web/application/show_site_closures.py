"""Use case: a manager follows their region's site closures and how far each has gone."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import structlog

from web.application.appointment_views import Closure
from web.application.errors import ApiError
from web.application.ports import AppointmentApi, IntakeApi
from web.application.show_caseload import own_region
from web.application.views import Region
from web.domain.sessions import Session

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ClosuresPage:
    """The closures, newest first (None when unavailable), and the region with its sites."""

    closures: list[Closure] | None
    region: Region | None

    @property
    def running(self) -> bool:
        """Return whether any closure is still being applied."""
        return any(c.running for c in self.closures or ())

    @property
    def site_names(self) -> dict[str, str]:
        """Return the region's sites' names by code."""
        return {s.code: s.label for s in self.region.sites} if self.region else {}


async def show_site_closures(
    session: Session, *, appointments: AppointmentApi, intake: IntakeApi
) -> ClosuresPage:
    """Read the region's closures and its sites, each failing on its own."""
    try:
        closures: list[Closure] | None = await appointments.closures(session.token)
    except ApiError as exc:
        log.warning("site closures unavailable", status=exc.status)
        closures = None
    return ClosuresPage(closures=closures, region=await own_region(session, intake=intake))


async def show_site_closure(
    session: Session, closure_id: UUID, *, appointments: AppointmentApi, intake: IntakeApi
) -> ClosuresPage:
    """Read one closure (raises ApiError) and the region's sites."""
    closure = await appointments.closure(session.token, closure_id)
    return ClosuresPage(closures=[closure], region=await own_region(session, intake=intake))

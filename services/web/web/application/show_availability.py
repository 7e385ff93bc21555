"""Use case: a counsellor opens their availability editor: the plan, and their region's sites."""

from __future__ import annotations

from dataclasses import dataclass

from web.application.ports import AppointmentApi, IntakeApi
from web.application.save_availability import PlanDraft
from web.application.show_caseload import own_region
from web.application.views import Site
from web.domain.sessions import Session


@dataclass(frozen=True, slots=True)
class AvailabilityPage:
    """The form to show, whether a plan is published, and the places a window may be at."""

    draft: PlanDraft
    published: bool
    #: The region's sites; None when the reference data is unavailable.
    sites: list[Site] | None


async def region_sites(session: Session, *, intake: IntakeApi) -> list[Site] | None:
    """Return the sites of the staff member's region, or None when unavailable."""
    region = await own_region(session, intake=intake)
    return None if region is None else list(region.sites)


async def show_availability(
    session: Session, *, appointments: AppointmentApi, intake: IntakeApi
) -> AvailabilityPage:
    """Read the published plan (raises ApiError) and the region's sites (optional)."""
    plan = await appointments.plan(session.token)
    return AvailabilityPage(
        draft=PlanDraft.of(plan),
        published=plan is not None,
        sites=await region_sites(session, intake=intake),
    )

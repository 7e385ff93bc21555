"""The regional manager's space: the region's activity and its counsellors."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from jalon_shared.access import Role
from web.application.show_region_activity import show_region_activity
from web.domain.sessions import Session
from web.entrypoints.deps import Deps
from web.entrypoints.pages import render
from web.entrypoints.session import persona

router = APIRouter(tags=["manager"])
Manager = Annotated[Session, Depends(persona(Role.MANAGER))]


@router.get("/manager", response_class=HTMLResponse)
async def region_activity(request: Request, session: Manager, deps: Deps) -> HTMLResponse:
    """Show the region's activity (small cells suppressed) and its counsellors."""
    page = await show_region_activity(session, intake=deps.intake, reporting=deps.reporting)
    region = page.region.label if page.region else "votre région"
    sites = {s.code: s.label for s in page.region.sites} if page.region else {}
    return await render(
        request,
        "manager_home.html",
        f"Activité · {region}",
        page=page,
        sites=sites,
        region_label=region,
    )

"""The regional manager's site closures: close a site for a period, and follow the work."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from jalon_shared.access import Role
from web.application.appointment_drafts import InvalidDraftError
from web.application.close_site import ClosureDraft, close_site
from web.application.errors import ApiError
from web.application.show_site_closures import (
    ClosuresPage,
    show_site_closure,
    show_site_closures,
)
from web.domain.sessions import Session
from web.entrypoints.appointment_pages import (
    CLOSURE_MESSAGES,
    appointment_api,
    go,
    messages_by_field,
    refusal,
    shown_status,
)
from web.entrypoints.deps import Deps, WebDeps
from web.entrypoints.errors import error_page
from web.entrypoints.pages import render
from web.entrypoints.session import persona

router = APIRouter(tags=["manager"])
Manager = Annotated[Session, Depends(persona(Role.MANAGER))]
CLOSURES = "/manager/site-closures"
TITLE = "Fermeture de site"
#: How often a running closure's page reloads itself, in seconds.
REFRESH_SECONDS = 2


async def closures_page(
    request: Request,
    session: Session,
    deps: WebDeps,
    *,
    draft: ClosureDraft | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render the form (as typed when refused) and the region's closures."""
    page = await show_site_closures(session, appointments=appointment_api(deps), intake=deps.intake)
    return await render(
        request,
        "appointment_closures.html",
        TITLE,
        status_code=status_code,
        page=page,
        form=draft or ClosureDraft(),
        **context,
    )


@router.get(CLOSURES, response_class=HTMLResponse)
async def closures(request: Request, session: Manager, deps: Deps) -> HTMLResponse:
    """Show the closure form and the region's closures with their progress."""
    return await closures_page(request, session, deps)


@router.post(CLOSURES, response_model=None)
async def close(request: Request, session: Manager, deps: Deps) -> Response:
    """Close a site; its face-to-face appointments of the period are proposed remote."""
    form = await request.form()
    draft = ClosureDraft(
        site=str(form.get("site", ""))[:64],
        starts_at=str(form.get("starts_at", ""))[:32],
        ends_at=str(form.get("ends_at", ""))[:32],
        to_modality=str(form.get("to_modality", ""))[:16],
    )
    page: ClosuresPage = await show_site_closures(
        session, appointments=appointment_api(deps), intake=deps.intake
    )
    sites = None if page.region is None else {s.code for s in page.region.sites}
    try:
        closure = await close_site(
            session, draft, sites=sites, appointments=appointment_api(deps), now=deps.clock()
        )
    except InvalidDraftError as exc:
        return await closures_page(
            request,
            session,
            deps,
            draft=draft,
            status_code=422,
            error="La fermeture n'est pas enregistrée : corrigez les champs signalés.",
            field_errors=messages_by_field(exc.errors, CLOSURE_MESSAGES),
        )
    except ApiError as exc:
        return await closures_page(
            request,
            session,
            deps,
            draft=draft,
            status_code=shown_status(exc),
            error=refusal(exc, "La fermeture n'est pas enregistrée."),
        )
    return go(f"{CLOSURES}/{closure.closure_id}", "closure_started")


@router.get(f"{CLOSURES}/{{closure_id}}", response_model=None)
async def closure_progress(
    request: Request,
    session: Manager,
    deps: Deps,
    closure_id: UUID,
    refresh: Annotated[str, Query(max_length=3)] = "",
) -> Response:
    """Follow one closure; the page reloads itself every 2 s while it runs (unless stopped)."""
    try:
        page = await show_site_closure(
            session, closure_id, appointments=appointment_api(deps), intake=deps.intake
        )
    except ApiError as exc:
        return await error_page(request, exc.status if exc.status in (403, 404) else 502)
    auto = page.running and refresh != "no"
    return await render(
        request,
        "appointment_closure.html",
        TITLE,
        page=page,
        closure=page.closures[0] if page.closures else None,
        refresh_seconds=REFRESH_SECONDS if auto else None,
        stopped=page.running and refresh == "no",
    )

"""The counsellor's space: the caseload, a case with its person, and the actions on it."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Query, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from jalon_shared.access import Role
from jalon_shared.events.vocabulary import CloseReason, ServiceLevel
from web.application.change_service_level import change_service_level
from web.application.close_case import close_case
from web.application.errors import ApiError, NotConfirmedError
from web.application.reassign_case import reassign_case
from web.application.review_duplicate import review_duplicate
from web.application.show_case import show_case
from web.application.show_caseload import show_caseload
from web.application.views import CaseloadFilters
from web.domain.sessions import Session
from web.entrypoints.appointments_counsellor import case_section
from web.entrypoints.deps import Deps
from web.entrypoints.documents_counsellor import summaries_section
from web.entrypoints.errors import error_page, explain
from web.entrypoints.pages import render
from web.entrypoints.session import SPACE_TITLES, persona
from web.entrypoints.session_pages import WORK_PAGE_HEADERS, unanswered_section, work_section

router = APIRouter(tags=["counsellor"])
Counsellor = Annotated[Session, Depends(persona(Role.COUNSELLOR))]
PAGE_SIZE = 25
Filter = Annotated[str, Query(max_length=64)]


def page_url(filters: CaseloadFilters, offset: int) -> str:
    """Return the URL of another page of the filtered caseload."""
    return f"/counsellor?{urlencode({**filters.query(), 'offset': max(offset, 0)})}"


@router.get("/counsellor", response_model=None)
async def caseload(
    request: Request,
    session: Counsellor,
    deps: Deps,
    status_: Annotated[str, Query(alias="status", max_length=64)] = "",
    service_level: Filter = "",
    site: Filter = "",
    sort: Filter = "opened_at",
    order: Filter = "desc",
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    """Show the counsellor's caseload, filtered, sorted and paged, and their alerts."""
    chosen = {
        "status": status_,
        "service_level": service_level,
        "site": site,
        "sort": sort,
        "order": order,
    }
    try:
        filters = CaseloadFilters.model_validate({k: v for k, v in chosen.items() if v})
    except ValidationError:
        return await error_page(
            request,
            422,
            message=(
                "Ce filtre n'existe pas. Revenez au portefeuille et choisissez-en un "
                "dans les listes."
            ),
        )
    page = await show_caseload(
        session, filters, offset=offset, page_size=PAGE_SIZE, intake=deps.intake
    )
    return await render(
        request,
        "counsellor_home.html",
        SPACE_TITLES[Role.COUNSELLOR],
        page=page,
        filters=filters,
        previous_url=page_url(filters, offset - PAGE_SIZE) if offset else None,
        next_url=page_url(filters, offset + PAGE_SIZE) if page.has_more else None,
        **await unanswered_section(session, deps),
    )


async def case_page(
    request: Request,
    session: Session,
    deps: Deps,
    case_id: UUID,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render a case, with an action's refusal when there is one."""
    try:
        shown = await show_case(session, case_id, intake=deps.intake)
    except ApiError as exc:
        return await error_page(request, exc.status if exc.status in (403, 404) else 502)
    return await render(
        request,
        "counsellor_case.html",
        shown.case.beneficiary.full_name if shown.case.beneficiary else "Dossier",
        status_code=status_code,
        # The messages and tasks forms show their uploads' progress with a script of this origin.
        headers=WORK_PAGE_HEADERS,
        page=shown,
        case=shown.case,
        **await case_section(session, case_id, deps),
        **await summaries_section(session, case_id, deps),
        **await work_section(session, case_id, deps),
        **context,
    )


@router.get("/counsellor/cases/{case_id}", response_model=None)
async def case(request: Request, session: Counsellor, deps: Deps, case_id: UUID) -> Response:
    """Show one case: the person, the request, possible duplicates, history and actions."""
    return await case_page(request, session, deps, case_id)


def done(target: str, what: str) -> RedirectResponse:
    """Go on to a page that confirms the action."""
    return RedirectResponse(f"{target}?done={what}", status_code=status.HTTP_303_SEE_OTHER)


async def refused(
    request: Request, session: Session, deps: Deps, case_id: UUID, exc: ApiError
) -> Response:
    """Show the case again with why the action was refused."""
    return await case_page(
        request,
        session,
        deps,
        case_id,
        status_code=exc.status,
        error="Action non effectuée. " + explain(exc.status)[1],
    )


@router.post("/counsellor/cases/{case_id}/reassign", response_model=None)
async def reassign(
    request: Request,
    session: Counsellor,
    deps: Deps,
    case_id: UUID,
    to_counsellor_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Hand the case over to the counsellor chosen in the list."""
    if not to_counsellor_id:
        return await case_page(
            request,
            session,
            deps,
            case_id,
            status_code=422,
            field_errors={"to_counsellor_id": "Choisissez un conseiller dans la liste."},
        )
    try:
        await reassign_case(session, case_id, to_counsellor_id, intake=deps.intake)
    except ApiError as exc:
        return await refused(request, session, deps, case_id, exc)
    # The case has left this counsellor's caseload: back to the list.
    return done("/counsellor", "reassigned")


@router.post("/counsellor/cases/{case_id}/service-level", response_model=None)
async def requalify(
    request: Request,
    session: Counsellor,
    deps: Deps,
    case_id: UUID,
    service_level: Annotated[ServiceLevel, Form()],
) -> Response:
    """Requalify the case's service level."""
    try:
        await change_service_level(session, case_id, service_level, intake=deps.intake)
    except ApiError as exc:
        return await refused(request, session, deps, case_id, exc)
    return done(f"/counsellor/cases/{case_id}", "level_changed")


@router.post("/counsellor/cases/{case_id}/close", response_model=None)
async def close(
    request: Request,
    session: Counsellor,
    deps: Deps,
    case_id: UUID,
    reason: Annotated[CloseReason, Form()],
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Close the case with a reason, once the box confirming it is ticked."""
    try:
        await close_case(session, case_id, reason, confirmed=confirm == "yes", intake=deps.intake)
    except NotConfirmedError:
        return await case_page(
            request,
            session,
            deps,
            case_id,
            status_code=422,
            chosen_reason=reason.value,
            field_errors={"confirm": "Cochez cette case pour confirmer la clôture."},
        )
    except ApiError as exc:
        return await refused(request, session, deps, case_id, exc)
    return done(f"/counsellor/cases/{case_id}", "closed")


@router.post("/counsellor/cases/{case_id}/duplicates/{request_id}/{decision}", response_model=None)
async def review(
    request: Request,
    session: Counsellor,
    deps: Deps,
    case_id: UUID,
    request_id: UUID,
    decision: str,
) -> Response:
    """Confirm that a flagged request is this person, or reject it as someone else."""
    if decision not in ("confirm", "reject"):
        return await error_page(request, 404)
    same = decision == "confirm"
    try:
        await review_duplicate(session, case_id, request_id, same_person=same, intake=deps.intake)
    except ApiError as exc:
        return await refused(request, session, deps, case_id, exc)
    return done(
        f"/counsellor/cases/{case_id}", "duplicate_confirmed" if same else "duplicate_rejected"
    )

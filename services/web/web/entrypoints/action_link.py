"""The page a message's signed link opens: one appointment to move, cancel or answer, no sign-in."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from web.application.answer_modality_change import answer_modality_change
from web.application.appointment_drafts import InvalidDraftError, day_of
from web.application.appointment_views import BENEFICIARY_CANCEL_REASONS
from web.application.appointment_views import Appointment as AppointmentView
from web.application.cancel_appointment import cancel_appointment
from web.application.errors import ApiError
from web.application.open_action_link import OpenedLink, open_action_link
from web.application.reschedule_appointment import reschedule_appointment
from web.application.show_own_appointments import self_service, site_names
from web.entrypoints.appointment_pages import (
    ACTION_MESSAGES,
    CONFLICTS,
    SlotFlow,
    appointment_api,
    chosen_start,
    go,
    labelled,
    message_for,
    refusal,
    render_slots,
    shown_status,
    slot_refused,
)
from web.entrypoints.deps import Deps, WebDeps
from web.entrypoints.errors import error_page
from web.entrypoints.pages import render
from web.entrypoints.rooms import join_link

router = APIRouter(tags=["beneficiary"])
#: A link's token: an HS256 JWT of ids and an expiry, well under this.
Link = Annotated[str, Path(max_length=1024)]
Day = Annotated[str, Query(alias="from", max_length=10)]
TITLE = "Votre rendez-vous"
EXPIRED = (
    "Ce lien n'est plus valable : il a expiré, ou il a été recopié incomplètement. "
    "Les liens de nos messages servent jusqu'au début du rendez-vous."
)
GONE = "Ce rendez-vous n'existe plus."


def base_of(link: str) -> str:
    """Return the link page's address."""
    return f"/rdv/{link}"


async def invalid_link(request: Request, reason: str) -> HTMLResponse:
    """Say the link opens nothing, and offer the sign-in instead."""
    return await render(
        request, "appointment_link_invalid.html", "Lien non valable", status_code=404, reason=reason
    )


async def opened(
    request: Request, deps: WebDeps, link: str
) -> tuple[OpenedLink, AppointmentView] | Response:
    """Return the link's session and appointment, or the page saying why there is none."""
    if deps.links is None or deps.appointments is None:
        return await error_page(request, 503)
    found = open_action_link(link, links=deps.links, issuer=deps.issuer)
    if found is None:
        return await invalid_link(request, EXPIRED)
    try:
        appointment = await appointment_api(deps).appointment(
            found.session.token, found.appointment_id
        )
    except ApiError as exc:
        if exc.status in (403, 404):
            # Erased, or never theirs: the same words either way.
            return await invalid_link(request, GONE)
        return await error_page(request, 502)
    return found, appointment


async def link_page(
    request: Request,
    deps: WebDeps,
    link: str,
    found: OpenedLink,
    appointment: AppointmentView,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render the link's appointment with what its beneficiary may still do."""
    now = deps.clock()
    return await render(
        request,
        "appointment_link.html",
        TITLE,
        status_code=status_code,
        appointment=appointment,
        now=now,
        base=base_of(link),
        changeable=self_service(appointment, now),
        sites=await site_names(found.session, intake=deps.intake),
        cancel_reasons=labelled(BENEFICIARY_CANCEL_REASONS),
        join_url=join_link(deps, appointment),
        **context,
    )


@router.get("/rdv/{link}", response_model=None)
async def show(request: Request, deps: Deps, link: Link) -> Response:
    """Show the appointment a message's link opens."""
    found = await opened(request, deps, link)
    if not isinstance(found, tuple):
        return found
    return await link_page(request, deps, link, *found)


async def refused(
    request: Request,
    deps: WebDeps,
    link: str,
    exc: ApiError | InvalidDraftError,
    undone: str,
) -> Response:
    """Show the link page again with why the action was not done."""
    found = await opened(request, deps, link)
    if not isinstance(found, tuple):
        return found
    if isinstance(exc, InvalidDraftError):
        message = message_for(exc.errors[0], ACTION_MESSAGES) if exc.errors else ""
        return await link_page(
            request, deps, link, *found, status_code=422, error=f"{undone} {message}"
        )
    return await link_page(
        request, deps, link, *found, status_code=shown_status(exc), error=refusal(exc, undone)
    )


@router.post("/rdv/{link}/cancel", response_model=None)
async def cancel(request: Request, deps: Deps, link: Link) -> Response:
    """Cancel the link's appointment with the reason chosen."""
    form = await request.form()
    found = await opened(request, deps, link)
    if not isinstance(found, tuple):
        return found
    session, appointment = found[0].session, found[1]
    try:
        await cancel_appointment(
            session,
            appointment.appointment_id,
            str(form.get("reason", ""))[:64],
            appointments=appointment_api(deps),
        )
    except (ApiError, InvalidDraftError) as exc:
        return await refused(request, deps, link, exc, "Le rendez-vous n'est pas annulé.")
    return go(base_of(link), "appointment_cancelled")


@router.post("/rdv/{link}/consent", response_model=None)
async def consent(request: Request, deps: Deps, link: Link) -> Response:
    """Answer the proposed remote modality of the link's appointment."""
    form = await request.form()
    found = await opened(request, deps, link)
    if not isinstance(found, tuple):
        return found
    session, appointment = found[0].session, found[1]
    try:
        answer = await answer_modality_change(
            session,
            appointment.appointment_id,
            str(form.get("choice", ""))[:64],
            appointments=appointment_api(deps),
        )
    except (ApiError, InvalidDraftError) as exc:
        return await refused(request, deps, link, exc, "Votre réponse n'est pas enregistrée.")
    return go(base_of(link), f"consent_{answer.value}")


def move_flow(link: str, appointment: AppointmentView) -> SlotFlow:
    """Return the slot page that moves the link's appointment."""
    return SlotFlow(
        title="Déplacer le rendez-vous",
        case_id=appointment.case_id,
        modality=appointment.modality,
        kind=appointment.kind,
        action=f"{base_of(link)}/move",
        page_url=f"{base_of(link)}/move",
        back=base_of(link),
        back_label=TITLE,
        moving=appointment,
    )


async def movable(
    request: Request, deps: WebDeps, link: str
) -> tuple[OpenedLink, AppointmentView] | Response:
    """Return the link's appointment if it may still be moved, else the page saying why."""
    found = await opened(request, deps, link)
    if not isinstance(found, tuple):
        return found
    appointment = found[1]
    if not appointment.is_booked:
        return await link_page(
            request, deps, link, *found, status_code=409, error=CONFLICTS["not_booked"]
        )
    if not self_service(appointment, deps.clock()):
        return await link_page(
            request, deps, link, *found, status_code=409, error=CONFLICTS["inside_policy_window"]
        )
    return found


@router.get("/rdv/{link}/move", response_model=None)
async def move_slots(request: Request, deps: Deps, link: Link, from_: Day = "") -> Response:
    """Offer the free slots the link's appointment can move to."""
    found = await movable(request, deps, link)
    if not isinstance(found, tuple):
        return found
    session, appointment = found[0].session, found[1]
    return await render_slots(
        request,
        session,
        deps,
        move_flow(link, appointment),
        day_of(from_),
        sites=await site_names(session, intake=deps.intake),
    )


@router.post("/rdv/{link}/move", response_model=None)
async def move(request: Request, deps: Deps, link: Link) -> Response:
    """Move the link's appointment to the slot whose button was pressed."""
    form = await request.form()
    found = await movable(request, deps, link)
    if not isinstance(found, tuple):
        return found
    session, appointment = found[0].session, found[1]
    due_date = str(form.get("due_date", ""))[:10]
    try:
        starts_at, _, due_date = chosen_start(form, appointment.modality)
        await reschedule_appointment(
            session, appointment.appointment_id, starts_at, appointments=appointment_api(deps)
        )
    except (ApiError, InvalidDraftError) as exc:
        return await slot_refused(
            request,
            session,
            deps,
            move_flow(link, appointment),
            form,
            exc,
            undone="Le rendez-vous n'est pas déplacé.",
            due_date=due_date,
            sites=await site_names(session, intake=deps.intake),
        )
    return go(base_of(link), "appointment_moved")

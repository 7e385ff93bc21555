"""The beneficiary's appointments: book (modality and kind, then a slot), move, cancel, consent."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import HTMLResponse, Response

from jalon_shared.access import Role
from jalon_shared.events.vocabulary import AppointmentKind, Modality
from web.application.answer_modality_change import answer_modality_change
from web.application.appointment_drafts import InvalidDraftError, day_of
from web.application.appointment_views import (
    BENEFICIARY_CANCEL_REASONS,
    AppointmentStatus,
)
from web.application.appointment_views import Appointment as AppointmentView
from web.application.book_appointment import book_appointment
from web.application.cancel_appointment import cancel_appointment
from web.application.errors import ApiError, FieldError
from web.application.find_own_case import OwnCase, find_own_case
from web.application.reschedule_appointment import reschedule_appointment
from web.application.set_waitlist import set_waitlist
from web.application.show_own_appointments import (
    self_service,
    show_own_appointments,
    site_names,
)
from web.domain.sessions import Session
from web.entrypoints.appointment_pages import (
    ACTION_MESSAGES,
    CONFLICTS,
    SLOT_MESSAGES,
    SlotFlow,
    appointment_api,
    chosen_start,
    go,
    labelled,
    message_for,
    messages_by_field,
    refusal,
    render_slots,
    shown_status,
    slot_refused,
    with_query,
)
from web.entrypoints.deps import Deps, WebDeps
from web.entrypoints.errors import error_page
from web.entrypoints.pages import render
from web.entrypoints.session import persona

router = APIRouter(tags=["beneficiary"])
Beneficiary = Annotated[Session, Depends(persona(Role.BENEFICIARY))]
Code = Annotated[str, Query(max_length=64)]
Day = Annotated[str, Query(alias="from", max_length=10)]
LIST = "/beneficiary/appointments"
NEW = "/beneficiary/appointments/new"
TITLE = "Mes rendez-vous"
NEW_TITLE = "Prendre rendez-vous"
WAITLIST_LINK = f"{LIST}#waitlist-title"


async def list_page(
    request: Request, session: Session, deps: WebDeps, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render "Mes rendez-vous", with an action's refusal when there is one."""
    page = await show_own_appointments(
        session, intake=deps.intake, appointments=appointment_api(deps), now=deps.clock()
    )
    return await render(
        request,
        "appointment_list.html",
        TITLE,
        status_code=status_code,
        appointments_page=page,
        cancel_reasons=labelled(BENEFICIARY_CANCEL_REASONS),
        now=deps.clock(),
        **context,
    )


@router.get(LIST, response_class=HTMLResponse)
async def my_appointments(request: Request, session: Beneficiary, deps: Deps) -> HTMLResponse:
    """Show the beneficiary's appointments ahead and past, and what they may do with each."""
    return await list_page(request, session, deps)


async def choose_page(
    request: Request,
    session: Session,
    deps: WebDeps,
    *,
    status_code: int = 200,
    modality: str = "",
    kind: str = "",
    **context: Any,
) -> HTMLResponse:
    """Render step 1: how to meet (modality) and what for (kind)."""
    page = await show_own_appointments(
        session, intake=deps.intake, appointments=appointment_api(deps), now=deps.clock()
    )
    held = any(a.status is AppointmentStatus.HELD for a in page.past)
    suggested = AppointmentKind.FOLLOW_UP if held else AppointmentKind.FIRST_MEETING
    return await render(
        request,
        "appointment_new.html",
        NEW_TITLE,
        status_code=status_code,
        case=page.case,
        chosen_modality=modality,
        chosen_kind=kind or suggested.value,
        **context,
    )


@router.get(NEW, response_class=HTMLResponse)
async def choose(request: Request, session: Beneficiary, deps: Deps) -> HTMLResponse:
    """Step 1 of booking: the modality and the kind of meeting, each explained."""
    return await choose_page(request, session, deps)


def read_choice(modality: str, kind: str) -> tuple[Modality, AppointmentKind]:
    """Read step 1's choices; raises InvalidDraftError naming what is missing."""
    errors: list[FieldError] = []
    try:
        chosen_modality: Modality | None = Modality(modality)
    except ValueError:
        chosen_modality = None
        errors.append(FieldError("modality", "missing"))
    try:
        chosen_kind: AppointmentKind | None = AppointmentKind(kind)
    except ValueError:
        chosen_kind = None
        errors.append(FieldError("kind", "missing"))
    if chosen_modality is None or chosen_kind is None:
        raise InvalidDraftError(errors)
    return chosen_modality, chosen_kind


def booking_flow(case: OwnCase, modality: Modality, kind: AppointmentKind) -> SlotFlow:
    """Return step 2 of booking for the beneficiary's case."""
    return SlotFlow(
        title=NEW_TITLE,
        case_id=case.case_id,
        modality=modality,
        kind=kind,
        action=LIST,
        page_url=with_query(f"{NEW}/slots", modality=modality.value, kind=kind.value),
        back=with_query(NEW, modality=modality.value, kind=kind.value),
        back_label="Changer de modalité ou d'entretien",
        hidden={"modality": modality.value, "kind": kind.value},
    )


async def bookable_case(session: Session, deps: WebDeps) -> OwnCase | None:
    """Return the case to book for when it has a counsellor (None otherwise)."""
    case = await find_own_case(session, intake=deps.intake)
    return case if case is not None and case.has_counsellor else None


@router.get(f"{NEW}/slots", response_class=HTMLResponse)
async def slots(
    request: Request,
    session: Beneficiary,
    deps: Deps,
    modality: Code = "",
    kind: Code = "",
    from_: Day = "",
) -> HTMLResponse:
    """Step 2 of booking: two weeks of free slots by day (or a due date for a written exchange)."""
    try:
        chosen_modality, chosen_kind = read_choice(modality, kind)
    except InvalidDraftError as exc:
        return await choose_page(
            request,
            session,
            deps,
            status_code=422,
            modality=modality,
            kind=kind,
            field_errors=messages_by_field(exc.errors, SLOT_MESSAGES),
            error="Les créneaux ne peuvent pas encore être affichés : "
            + message_for(exc.errors[0], SLOT_MESSAGES).lower(),
        )
    case = await bookable_case(session, deps)
    if case is None:
        return await choose_page(request, session, deps)
    return await render_slots(
        request,
        session,
        deps,
        booking_flow(case, chosen_modality, chosen_kind),
        day_of(from_),
        sites=await site_names(session, intake=deps.intake),
        waitlist_link=WAITLIST_LINK,
    )


@router.post(LIST, response_model=None)
async def book(request: Request, session: Beneficiary, deps: Deps) -> Response:
    """Book the slot whose button was pressed (or the due date typed), then list the bookings."""
    form = await request.form()
    modality, kind = str(form.get("modality", ""))[:64], str(form.get("kind", ""))[:64]
    try:
        chosen_modality, chosen_kind = read_choice(modality, kind)
    except InvalidDraftError as exc:
        return await choose_page(
            request,
            session,
            deps,
            status_code=422,
            modality=modality,
            kind=kind,
            field_errors=messages_by_field(exc.errors, SLOT_MESSAGES),
            error="Les créneaux ne peuvent pas encore être affichés : "
            + message_for(exc.errors[0], SLOT_MESSAGES).lower(),
        )
    case = await bookable_case(session, deps)
    if case is None:
        return await choose_page(request, session, deps, status_code=409)
    flow = booking_flow(case, chosen_modality, chosen_kind)
    sites = await site_names(session, intake=deps.intake)
    undone = "Votre rendez-vous n'est pas réservé."
    due_date = str(form.get("due_date", ""))[:10]
    try:
        starts_at, place, due_date = chosen_start(form, chosen_modality)
        await book_appointment(
            session,
            case.case_id,
            chosen_modality,
            chosen_kind,
            starts_at,
            place,
            appointments=appointment_api(deps),
        )
    except (ApiError, InvalidDraftError) as exc:
        return await slot_refused(
            request,
            session,
            deps,
            flow,
            form,
            exc,
            undone=undone,
            due_date=due_date,
            sites=sites,
            waitlist_link=WAITLIST_LINK,
        )
    return go(LIST, "appointment_booked")


async def movable(
    request: Request, session: Session, deps: WebDeps, appointment_id: UUID
) -> AppointmentView | Response:
    """Return the appointment if the beneficiary may still move it, else the page saying why."""
    try:
        appointment = await appointment_api(deps).appointment(session.token, appointment_id)
    except ApiError as exc:
        return await error_page(request, exc.status if exc.status in (403, 404) else 502)
    if not appointment.is_booked:
        return await list_page(
            request, session, deps, status_code=409, error=CONFLICTS["not_booked"]
        )
    if not self_service(appointment, deps.clock()):
        return await list_page(
            request, session, deps, status_code=409, error=CONFLICTS["inside_policy_window"]
        )
    return appointment


def move_flow(appointment: AppointmentView) -> SlotFlow:
    """Return the slot page that moves an appointment."""
    path = f"{LIST}/{appointment.appointment_id}/move"
    return SlotFlow(
        title="Déplacer un rendez-vous",
        case_id=appointment.case_id,
        modality=appointment.modality,
        kind=appointment.kind,
        action=path,
        page_url=path,
        back=LIST,
        back_label=TITLE,
        moving=appointment,
    )


@router.get(f"{LIST}/{{appointment_id}}/move", response_model=None)
async def move_slots(
    request: Request, session: Beneficiary, deps: Deps, appointment_id: UUID, from_: Day = ""
) -> Response:
    """Offer the free slots an appointment can move to (same modality and kind)."""
    found = await movable(request, session, deps, appointment_id)
    if not isinstance(found, AppointmentView):
        return found
    return await render_slots(
        request,
        session,
        deps,
        move_flow(found),
        day_of(from_),
        sites=await site_names(session, intake=deps.intake),
    )


@router.post(f"{LIST}/{{appointment_id}}/move", response_model=None)
async def move(
    request: Request, session: Beneficiary, deps: Deps, appointment_id: UUID
) -> Response:
    """Move the appointment to the slot whose button was pressed."""
    form = await request.form()
    found = await movable(request, session, deps, appointment_id)
    if not isinstance(found, AppointmentView):
        return found
    flow = move_flow(found)
    due_date = str(form.get("due_date", ""))[:10]
    try:
        starts_at, _, due_date = chosen_start(form, found.modality)
        await reschedule_appointment(
            session, appointment_id, starts_at, appointments=appointment_api(deps)
        )
    except (ApiError, InvalidDraftError) as exc:
        return await slot_refused(
            request,
            session,
            deps,
            flow,
            form,
            exc,
            undone="Le rendez-vous n'est pas déplacé.",
            due_date=due_date,
            sites=await site_names(session, intake=deps.intake),
        )
    return go(LIST, "appointment_moved")


async def action_refused(
    request: Request,
    session: Session,
    deps: WebDeps,
    exc: ApiError | InvalidDraftError,
    undone: str,
) -> HTMLResponse:
    """Show the list again with why an action was not done."""
    if isinstance(exc, InvalidDraftError):
        message = message_for(exc.errors[0], ACTION_MESSAGES) if exc.errors else ""
        return await list_page(request, session, deps, status_code=422, error=f"{undone} {message}")
    return await list_page(
        request, session, deps, status_code=shown_status(exc), error=refusal(exc, undone)
    )


@router.post(f"{LIST}/{{appointment_id}}/cancel", response_model=None)
async def cancel(
    request: Request, session: Beneficiary, deps: Deps, appointment_id: UUID
) -> Response:
    """Cancel an appointment with the reason chosen (not within 24 hours: the service refuses)."""
    form = await request.form()
    try:
        await cancel_appointment(
            session,
            appointment_id,
            str(form.get("reason", ""))[:64],
            appointments=appointment_api(deps),
        )
    except (ApiError, InvalidDraftError) as exc:
        return await action_refused(request, session, deps, exc, "Le rendez-vous n'est pas annulé.")
    return go(LIST, "appointment_cancelled")


@router.post(f"{LIST}/{{appointment_id}}/consent", response_model=None)
async def consent(
    request: Request, session: Beneficiary, deps: Deps, appointment_id: UUID
) -> Response:
    """Answer a proposed remote modality: accept (video or phone), refuse and keep, or cancel."""
    form = await request.form()
    try:
        answer = await answer_modality_change(
            session,
            appointment_id,
            str(form.get("choice", ""))[:64],
            appointments=appointment_api(deps),
        )
    except (ApiError, InvalidDraftError) as exc:
        return await action_refused(
            request, session, deps, exc, "Votre réponse n'est pas enregistrée."
        )
    return go(LIST, f"consent_{answer.value}")


@router.post(f"{LIST}/waitlist", response_model=None)
async def waitlist(request: Request, session: Beneficiary, deps: Deps) -> Response:
    """Ask to hear of an earlier free slot with one's counsellor, or stop asking."""
    form = await request.form()
    waiting = form.get("waiting") == "yes"
    case = await bookable_case(session, deps)
    if case is None:
        return await list_page(
            request,
            session,
            deps,
            status_code=status.HTTP_409_CONFLICT,
            error=CONFLICTS["no_counsellor"],
        )
    try:
        await set_waitlist(
            session, case.case_id, waiting=waiting, appointments=appointment_api(deps)
        )
    except ApiError as exc:
        return await action_refused(
            request, session, deps, exc, "Votre demande n'est pas enregistrée."
        )
    return go(LIST, "waitlist_joined" if waiting else "waitlist_left")

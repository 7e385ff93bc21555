"""The counsellor's appointments: availability editor, agenda, booking for a case, and actions."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

import re
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from jalon_shared.access import Role
from jalon_shared.events.vocabulary import AppointmentKind, Modality
from web.application.answer_modality_change import answer_modality_change
from web.application.appointment_drafts import InvalidDraftError, day_of
from web.application.appointment_views import LOCAL_ZONE, STAFF_CANCEL_REASONS
from web.application.appointment_views import Appointment as AppointmentView
from web.application.book_appointment import book_appointment
from web.application.cancel_appointment import cancel_appointment
from web.application.errors import ApiError
from web.application.propose_remote import propose_remote
from web.application.reschedule_appointment import reschedule_appointment
from web.application.save_availability import (
    MAX_EXCEPTIONS,
    MAX_WINDOWS,
    RULE_BOUNDS,
    ExceptionRow,
    PlanDraft,
    WindowRow,
    save_availability,
)
from web.application.settle_appointment import settle_appointment
from web.application.show_agenda import AgendaView, show_agenda
from web.application.show_availability import region_sites, show_availability
from web.application.show_case_appointments import show_case_appointments
from web.application.views import Site
from web.domain.sessions import Session
from web.entrypoints.appointment_pages import (
    ACTION_MESSAGES,
    PLAN_MESSAGES,
    SlotFlow,
    appointment_api,
    chosen_start,
    go,
    labelled,
    local_next,
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

router = APIRouter(tags=["counsellor"])
Counsellor = Annotated[Session, Depends(persona(Role.COUNSELLOR))]
Code = Annotated[str, Query(max_length=64)]
Day = Annotated[str, Query(alias="from", max_length=10)]
Next = Annotated[str, Query(max_length=300)]
AVAILABILITY = "/counsellor/availability"
AGENDA = "/counsellor/agenda"
SPACE = "/counsellor"
WINDOW_FIELD = re.compile(r"^windows-(\d{1,3})-")
EXCEPTION_FIELD = re.compile(r"^exceptions-(\d{1,3})-")


def case_url(case_id: UUID) -> str:
    """Return the case page's appointments section."""
    return f"/counsellor/cases/{case_id}#appointments"


# Availability -------------------------------------------------------------------------------


def row_numbers(form: FormData, pattern: re.Pattern[str], limit: int) -> list[int]:
    """Return the row numbers the form holds, in order (at most `limit` rows)."""
    found = {int(m.group(1)) for key in form if (m := pattern.match(key))}
    return sorted(found)[:limit]


def plan_draft_from(form: FormData) -> PlanDraft:
    """Read the editor as typed (each value capped, so nothing huge is echoed back)."""

    def text(name: str, size: int = 16) -> str:
        return str(form.get(name, ""))[:size]

    windows = tuple(
        WindowRow(
            weekday=text(f"windows-{i}-weekday", 2),
            start=text(f"windows-{i}-start"),
            end=text(f"windows-{i}-end"),
            place=text(f"windows-{i}-place", 64),
            remove=form.get(f"windows-{i}-remove") == "yes",
        )
        for i in row_numbers(form, WINDOW_FIELD, MAX_WINDOWS + 2)
    )
    exceptions = tuple(
        ExceptionRow(
            kind=text(f"exceptions-{i}-kind", 32),
            starts_at=text(f"exceptions-{i}-starts_at", 32),
            ends_at=text(f"exceptions-{i}-ends_at", 32),
            place=text(f"exceptions-{i}-place", 64),
            remove=form.get(f"exceptions-{i}-remove") == "yes",
        )
        for i in row_numbers(form, EXCEPTION_FIELD, MAX_EXCEPTIONS + 2)
    )
    return PlanDraft(
        time_zone=text("time_zone", 64),
        windows=windows,
        rules={name: text(name, 6) for name in RULE_BOUNDS},
        exceptions=exceptions,
    )


async def availability_page(
    request: Request,
    draft: PlanDraft,
    sites: list[Site] | None,
    *,
    published: bool = True,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render the editor with the form as given."""
    return await render(
        request,
        "appointment_availability.html",
        "Mes disponibilités",
        status_code=status_code,
        draft=draft,
        sites=sites,
        published=published,
        rule_bounds=RULE_BOUNDS,
        **context,
    )


@router.get(AVAILABILITY, response_class=HTMLResponse)
async def availability(request: Request, session: Counsellor, deps: Deps) -> HTMLResponse:
    """Show the weekly plan, the rules and the dated exceptions, ready to edit."""
    page = await show_availability(session, appointments=appointment_api(deps), intake=deps.intake)
    return await availability_page(request, page.draft, page.sites, published=page.published)


@router.post(AVAILABILITY, response_model=None)
async def save(request: Request, session: Counsellor, deps: Deps) -> Response:
    """Publish the plan; "add a row" shows the form again with one more blank row, unsaved."""
    form = await request.form()
    draft = plan_draft_from(form)
    action = form.get("action")
    sites = await region_sites(session, intake=deps.intake)
    if action in ("add_window", "add_exception"):
        rows = "windows" if action == "add_window" else "exceptions"
        return await availability_page(
            request,
            draft.with_row_added(rows),
            sites,
            notice="Une ligne vide a été ajoutée. Rien n'est enregistré tant que vous n'appuyez "
            "pas sur «\u00a0Enregistrer mes disponibilités\u00a0».",
        )
    try:
        await save_availability(
            session,
            draft,
            places=None if sites is None else {s.code for s in sites},
            appointments=appointment_api(deps),
        )
    except InvalidDraftError as exc:
        return await availability_page(
            request,
            draft.with_blank_rows(),
            sites,
            status_code=422,
            error="Vos disponibilités ne sont pas enregistrées : corrigez les champs signalés.",
            field_errors=messages_by_field(exc.errors, PLAN_MESSAGES),
        )
    except ApiError as exc:
        return await availability_page(
            request,
            draft.with_blank_rows(),
            sites,
            status_code=shown_status(exc),
            error=refusal(exc, "Vos disponibilités ne sont pas enregistrées."),
        )
    return go(AVAILABILITY, "availability_saved")


# Agenda -------------------------------------------------------------------------------------


@router.get(AGENDA, response_model=None)
async def agenda(
    request: Request,
    session: Counsellor,
    deps: Deps,
    view: Code = "week",
    date_: Annotated[str, Query(alias="date", max_length=10)] = "",
) -> Response:
    """Show the counsellor's appointments for a day or a week, in local time, with actions."""
    now = deps.clock()
    today = now.astimezone(LOCAL_ZONE).date()
    chosen: AgendaView = "day" if view == "day" else "week"
    day = day_of(date_) or today
    try:
        shown = await show_agenda(
            session, chosen, day, appointments=appointment_api(deps), intake=deps.intake
        )
    except ApiError as exc:
        return await error_page(request, shown_status(exc))
    here = with_query(AGENDA, view=chosen, date=day.isoformat())
    return await render(
        request,
        "appointment_agenda.html",
        "Agenda",
        agenda=shown,
        here=here,
        now=now,
        today=today,
        day_url=lambda v, d: with_query(AGENDA, view=v, date=d.isoformat()),
        cancel_reasons=labelled(STAFF_CANCEL_REASONS),
    )


# A case's appointments ----------------------------------------------------------------------


async def case_section(session: Session, case_id: UUID, deps: WebDeps) -> dict[str, Any]:
    """Return what the case page's "Rendez-vous" section needs (it never fails the page)."""
    now = deps.clock()
    return {
        "appointments_section": await show_case_appointments(
            session, case_id, appointments=deps.appointments, intake=deps.intake
        ),
        "appointments_now": now,
        "appointment_cancel_reasons": labelled(STAFF_CANCEL_REASONS),
    }


async def booking_flow(
    request: Request,
    session: Session,
    deps: WebDeps,
    case_id: UUID,
    modality: str,
    kind: str,
) -> SlotFlow | Response:
    """Return the slot page that books for a case, or the page saying why it cannot."""
    try:
        chosen_modality, chosen_kind = Modality(modality), AppointmentKind(kind)
    except ValueError:
        return await error_page(
            request, 422, message="Choisissez une modalité et un type d'entretien dans les listes."
        )
    try:
        case = await deps.intake.case(session.token, case_id)
    except ApiError as exc:
        return await error_page(request, exc.status if exc.status in (403, 404) else 502)
    path = f"/counsellor/cases/{case_id}/appointments"
    return SlotFlow(
        title="Prendre rendez-vous pour la personne",
        case_id=case_id,
        modality=chosen_modality,
        kind=chosen_kind,
        action=path,
        page_url=with_query(f"{path}/new", modality=modality, kind=kind),
        back=case_url(case_id),
        back_label="Retour au dossier",
        hidden={"modality": modality, "kind": kind},
        person=case.beneficiary.full_name if case.beneficiary else None,
    )


@router.get("/counsellor/cases/{case_id}/appointments/new", response_model=None)
async def case_slots(
    request: Request,
    session: Counsellor,
    deps: Deps,
    case_id: UUID,
    modality: Code = "",
    kind: Code = "",
    from_: Day = "",
) -> Response:
    """Offer the counsellor's free slots to book for the case (after a phone call)."""
    flow = await booking_flow(request, session, deps, case_id, modality, kind)
    if not isinstance(flow, SlotFlow):
        return flow
    sites = await region_sites(session, intake=deps.intake) or []
    return await render_slots(
        request, session, deps, flow, day_of(from_), sites={s.code: s.label for s in sites}
    )


@router.post("/counsellor/cases/{case_id}/appointments", response_model=None)
async def book_for_case(
    request: Request, session: Counsellor, deps: Deps, case_id: UUID
) -> Response:
    """Book the chosen slot for the case."""
    form = await request.form()
    flow = await booking_flow(
        request,
        session,
        deps,
        case_id,
        str(form.get("modality", ""))[:64],
        str(form.get("kind", ""))[:64],
    )
    if not isinstance(flow, SlotFlow):
        return flow
    due_date = str(form.get("due_date", ""))[:10]
    try:
        starts_at, place, due_date = chosen_start(form, flow.modality)
        await book_appointment(
            session,
            case_id,
            flow.modality,
            flow.kind,
            starts_at,
            place,
            appointments=appointment_api(deps),
        )
    except (ApiError, InvalidDraftError) as exc:
        sites = await region_sites(session, intake=deps.intake) or []
        return await slot_refused(
            request,
            session,
            deps,
            flow,
            form,
            exc,
            undone="Le rendez-vous n'est pas réservé.",
            due_date=due_date,
            sites={s.code: s.label for s in sites},
        )
    return go(case_url(case_id), "appointment_booked_for")


# Actions on one appointment -----------------------------------------------------------------


async def refused_page(
    request: Request, exc: ApiError | InvalidDraftError, back: str, undone: str
) -> HTMLResponse:
    """Say why an action was not done, with the way back to where it was asked."""
    if isinstance(exc, InvalidDraftError):
        message = message_for(exc.errors[0], ACTION_MESSAGES) if exc.errors else ""
        status_code, error = 422, f"{undone} {message}"
    else:
        status_code, error = shown_status(exc), refusal(exc, undone)
    return await render(
        request,
        "appointment_refused.html",
        "Action non effectuée",
        status_code=status_code,
        error=error,
        back=back,
    )


def back_to(form: FormData | None, value: str = "") -> str:
    """Return the page an action goes back to (a page of the counsellor's space)."""
    sent = str(form.get("next", ""))[:300] if form is not None else value
    return local_next(sent, AGENDA, SPACE)


def move_flow(appointment: AppointmentView, back: str) -> SlotFlow:
    """Return the slot page that moves an appointment, coming back to `back`."""
    path = f"/counsellor/appointments/{appointment.appointment_id}/move"
    return SlotFlow(
        title="Déplacer un rendez-vous",
        case_id=appointment.case_id,
        modality=appointment.modality,
        kind=appointment.kind,
        action=path,
        page_url=with_query(path, next=back),
        back=back,
        back_label="Retour",
        hidden={"next": back},
        moving=appointment,
    )


async def movable(
    request: Request, session: Session, deps: WebDeps, appointment_id: UUID, back: str
) -> AppointmentView | Response:
    """Return a booked appointment to move, or the page saying why it cannot be."""
    try:
        appointment = await appointment_api(deps).appointment(session.token, appointment_id)
    except ApiError as exc:
        return await error_page(request, exc.status if exc.status in (403, 404) else 502)
    if not appointment.is_booked:
        return await refused_page(
            request,
            ApiError(409, "not booked", ()),
            back,
            "Le rendez-vous ne peut pas être déplacé : il n'est plus prévu.",
        )
    return appointment


@router.get("/counsellor/appointments/{appointment_id}/move", response_model=None)
async def move_slots(
    request: Request,
    session: Counsellor,
    deps: Deps,
    appointment_id: UUID,
    next_: Annotated[str, Query(alias="next", max_length=300)] = "",
    from_: Day = "",
) -> Response:
    """Offer the free slots an appointment can move to."""
    back = back_to(None, next_)
    found = await movable(request, session, deps, appointment_id, back)
    if not isinstance(found, AppointmentView):
        return found
    sites = await region_sites(session, intake=deps.intake) or []
    return await render_slots(
        request,
        session,
        deps,
        move_flow(found, back),
        day_of(from_),
        sites={s.code: s.label for s in sites},
    )


@router.post("/counsellor/appointments/{appointment_id}/move", response_model=None)
async def move(request: Request, session: Counsellor, deps: Deps, appointment_id: UUID) -> Response:
    """Move the appointment to the chosen slot."""
    form = await request.form()
    back = back_to(form)
    found = await movable(request, session, deps, appointment_id, back)
    if not isinstance(found, AppointmentView):
        return found
    due_date = str(form.get("due_date", ""))[:10]
    try:
        starts_at, _, due_date = chosen_start(form, found.modality)
        await reschedule_appointment(
            session, appointment_id, starts_at, appointments=appointment_api(deps)
        )
    except (ApiError, InvalidDraftError) as exc:
        sites = await region_sites(session, intake=deps.intake) or []
        return await slot_refused(
            request,
            session,
            deps,
            move_flow(found, back),
            form,
            exc,
            undone="Le rendez-vous n'est pas déplacé.",
            due_date=due_date,
            sites={s.code: s.label for s in sites},
        )
    return go(back, "appointment_moved")


@router.post("/counsellor/appointments/{appointment_id}/outcome", response_model=None)
async def outcome(
    request: Request, session: Counsellor, deps: Deps, appointment_id: UUID
) -> Response:
    """Record that the appointment was held, or missed (by whom, and why if known)."""
    form = await request.form()
    back = back_to(form)
    chosen = str(form.get("outcome", ""))[:16]
    try:
        await settle_appointment(
            session,
            appointment_id,
            chosen,
            absent=str(form.get("absent", ""))[:16],
            reason=str(form.get("absent_reason", ""))[:32],
            appointments=appointment_api(deps),
        )
    except (ApiError, InvalidDraftError) as exc:
        return await refused_page(request, exc, back, "Le rendez-vous n'est pas mis à jour.")
    return go(back, "appointment_held" if chosen == "held" else "appointment_no_show")


@router.post("/counsellor/appointments/{appointment_id}/requalify", response_model=None)
async def requalify(
    request: Request, session: Counsellor, deps: Deps, appointment_id: UUID
) -> Response:
    """Propose to hold the appointment by video or phone; the person is asked to consent."""
    form = await request.form()
    back = back_to(form)
    try:
        await propose_remote(
            session,
            appointment_id,
            str(form.get("modality", ""))[:16],
            appointments=appointment_api(deps),
        )
    except (ApiError, InvalidDraftError) as exc:
        return await refused_page(request, exc, back, "La proposition n'est pas envoyée.")
    return go(back, "remote_proposed")


@router.post("/counsellor/appointments/{appointment_id}/consent", response_model=None)
async def consent(
    request: Request, session: Counsellor, deps: Deps, appointment_id: UUID
) -> Response:
    """Record the answer the person gave by phone to a proposed remote modality."""
    form = await request.form()
    back = back_to(form)
    try:
        answer = await answer_modality_change(
            session,
            appointment_id,
            str(form.get("choice", ""))[:64],
            appointments=appointment_api(deps),
        )
    except (ApiError, InvalidDraftError) as exc:
        return await refused_page(request, exc, back, "La réponse n'est pas enregistrée.")
    return go(back, f"consent_{answer.value}")


@router.post("/counsellor/appointments/{appointment_id}/cancel", response_model=None)
async def cancel(
    request: Request, session: Counsellor, deps: Deps, appointment_id: UUID
) -> Response:
    """Cancel the appointment with a reason."""
    form = await request.form()
    back = back_to(form)
    try:
        await cancel_appointment(
            session,
            appointment_id,
            str(form.get("reason", ""))[:64],
            appointments=appointment_api(deps),
        )
    except (ApiError, InvalidDraftError) as exc:
        return await refused_page(request, exc, back, "Le rendez-vous n'est pas annulé.")
    return go(back, "appointment_cancelled")

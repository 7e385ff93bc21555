"""Collective information sessions: the beneficiary's list, the region's pages for staff."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jalon_shared.access import Role
from jalon_shared.events.vocabulary import Modality
from jalon_shared.french_dates import WEEKDAYS
from web.application.cancel_collective_registration import cancel_collective_registration
from web.application.cancel_collective_session import cancel_collective_session
from web.application.collective_views import (
    REMOTE_MODALITIES,
    SESSION_MODALITIES,
    CollectiveSession,
    RegistrationStatus,
)
from web.application.errors import ApiError, FieldError, NotConfirmedError
from web.application.mark_session_attendance import mark_session_attendance
from web.application.plan_collective_session import (
    PARIS,
    InvalidSessionDraftError,
    SessionDraft,
    form_errors,
    plan_collective_session,
)
from web.application.register_for_collective_session import register_for_collective_session
from web.application.requalify_collective_session import requalify_collective_session
from web.application.show_collective_session import show_collective_session
from web.application.show_collective_sessions import show_collective_sessions
from web.domain.sessions import Session
from web.entrypoints import labels
from web.entrypoints.deps import Deps
from web.entrypoints.errors import error_page, explain
from web.entrypoints.formatting import french_date
from web.entrypoints.pages import render
from web.entrypoints.session import persona

router = APIRouter(tags=["collective sessions"])
Beneficiary = Annotated[Session, Depends(persona(Role.BENEFICIARY))]
Manager = Annotated[Session, Depends(persona(Role.MANAGER))]
Counsellor = Annotated[Session, Depends(persona(Role.COUNSELLOR))]
StaffRole = Literal["manager", "counsellor"]

BENEFICIARY_PAGE = "/beneficiary/collective-sessions"
BENEFICIARY_TITLE = "Réunions d'information"
REGION_TITLE = "Réunions d'information de la région"

#: What a refusal (409) says, by the reason the service gives.
CONFLICTS: dict[str, str] = {
    "already_registered": "Vous êtes déjà inscrit à cette réunion.",
    "session_started": "Cette réunion a déjà commencé : les inscriptions sont closes.",
    "session_cancelled": "Cette réunion a été annulée.",
    "session_closed": "Cette réunion ne prend plus d'inscriptions.",
    "not_registered": "Cette inscription n'est plus active.",
    "session_not_started": "La présence se note une fois la réunion commencée.",
    "same_modality": "La réunion se tient déjà selon cette modalité.",
    "session_over": "Cette réunion a déjà eu lieu : elle ne peut plus être annulée.",
}
#: What to say for one error type on one field of the planning form; checked first.
PLAN_BY_FIELD_AND_TYPE: dict[tuple[str, str], str] = {
    ("site", "site_required"): "Choisissez le lieu d'accueil de cette réunion en face-à-face.",
    ("start_time", "in_the_past"): "La réunion doit commencer plus tard qu'aujourd'hui.",
    ("start_time", "too_far"): "Une réunion se planifie deux ans à l'avance au plus.",
    ("end_time", "ends_before_start"): "L'heure de fin doit venir après l'heure de début.",
    ("end_time", "too_long"): "Une réunion dure 12 heures au plus.",
    ("date", "missing"): "Indiquez la date de la réunion.",
}
#: What to say for any error on one field of the planning form.
PLAN_BY_FIELD: dict[str, str] = {
    "title": "Indiquez l'intitulé de la réunion (200 caractères au plus).",
    "partner": "Le nom du partenaire est trop long (200 caractères au plus).",
    "modality": "Choisissez une modalité de la liste.",
    "site": "Choisissez un lieu d'accueil de la liste.",
    "date": "Indiquez une date valide, par exemple 03/12/2026.",
    "start_time": "Indiquez l'heure de début, par exemple 14:00.",
    "end_time": "Indiquez l'heure de fin, par exemple 16:00.",
    "capacity": "Indiquez un nombre de places entre 1 et 500.",
}


# How sessions read ----------------------------------------------------------------------------


def clock_text(moment: datetime) -> str:
    """Return "14 h 05" in Paris time."""
    local = moment.astimezone(PARIS)
    return f"{local.hour} h {local.minute:02d}"


def day_text(moment: datetime) -> str:
    """Return "mardi 1er décembre 2026" in Paris time."""
    return f"{WEEKDAYS[moment.astimezone(PARIS).weekday()]} {french_date(moment)}"


def when(session: CollectiveSession) -> str:
    """Return when a session takes place, in Paris time."""
    start, end = session.starts_at, session.ends_at
    if start.astimezone(PARIS).date() == end.astimezone(PARIS).date():
        return f"{day_text(start)}, de {clock_text(start)} à {clock_text(end)}"
    return f"du {day_text(start)} à {clock_text(start)} au {day_text(end)} à {clock_text(end)}"


def place(session: CollectiveSession, site_labels: dict[str, str]) -> str:
    """Return how and where a session is held."""
    how = labels.label(session.modality, Modality)
    if session.modality is Modality.FACE_TO_FACE and session.site:
        return f"{how} · {site_labels.get(session.site, session.site)}"
    return how


def seats(session: CollectiveSession) -> str:
    """Return the seats left, or that the next registrations go to the waitlist."""
    if session.seats_left <= 0:
        return "Complet : inscription sur liste d'attente"
    plural = "s" if session.seats_left > 1 else ""
    return f"{session.seats_left} place{plural} restante{plural} sur {session.capacity}"


def own_status(session: CollectiveSession) -> str | None:
    """Return the beneficiary's registration status, with their waitlist rank."""
    mine = session.my_registration
    if mine is None:
        return None
    text = labels.label(mine.status, RegistrationStatus)
    if mine.status is RegistrationStatus.WAITLISTED and mine.waitlist_rank:
        text += f" (position {mine.waitlist_rank})"
    return text


def refusal(exc: ApiError) -> str:
    """Return why the service refused an action, in French."""
    if exc.status == status.HTTP_409_CONFLICT:
        reason = exc.errors[0].type if exc.errors else ""
        return CONFLICTS.get(reason, explain(409)[1])
    return explain(exc.status if 400 <= exc.status < 600 else 502)[1]


def shown_status(exc: ApiError) -> int:
    """Return the status a page shows for a refusal."""
    return exc.status if 400 <= exc.status < 600 else 502


def plan_messages(errors: tuple[FieldError, ...]) -> dict[str, str]:
    """Return one French message per field of the planning form."""
    found: dict[str, str] = {}
    for error in errors:
        field = error.form_field
        found.setdefault(
            field,
            PLAN_BY_FIELD_AND_TYPE.get((field, error.type))
            or PLAN_BY_FIELD.get(field)
            or "Cette valeur n'est pas acceptée.",
        )
    return found


def helpers() -> dict[str, Any]:
    """Return what the templates use to show sessions."""
    return {
        "when": when,
        "place": place,
        "seats": seats,
        "own_status": own_status,
        "session_statuses": labels.SESSION_STATUS,
        "registration_statuses": labels.REGISTRATION_STATUS,
        "session_modalities": [(m.value, labels.MODALITY[m]) for m in SESSION_MODALITIES],
        "remote_modalities": [(m.value, labels.MODALITY[m]) for m in REMOTE_MODALITIES],
    }


def back_to(target: str, what: str) -> RedirectResponse:
    """Go on to a page that confirms the action."""
    return RedirectResponse(f"{target}?done={what}", status_code=status.HTTP_303_SEE_OTHER)


# The beneficiary ------------------------------------------------------------------------------


async def beneficiary_page(
    request: Request, session: Session, deps: Deps, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render the sessions open to the beneficiary, with their own registrations."""
    page = await show_collective_sessions(session, collective=deps.collective, intake=deps.intake)
    return await render(
        request,
        "collective_beneficiary.html",
        BENEFICIARY_TITLE,
        status_code=status_code,
        page=page,
        now=deps.clock(),
        **helpers(),
        **context,
    )


@router.get(BENEFICIARY_PAGE, response_class=HTMLResponse)
async def beneficiary_sessions(request: Request, session: Beneficiary, deps: Deps) -> HTMLResponse:
    """Show the sessions of the beneficiary's region and their registrations."""
    return await beneficiary_page(request, session, deps)


@router.post(BENEFICIARY_PAGE + "/{session_id}/register", response_model=None)
async def beneficiary_register(
    request: Request, session: Beneficiary, deps: Deps, session_id: UUID
) -> Response:
    """Register the beneficiary: a seat, or the waitlist when the session is full."""
    try:
        done = await register_for_collective_session(
            session, session_id, collective=deps.collective
        )
    except ApiError as exc:
        return await beneficiary_page(
            request,
            session,
            deps,
            status_code=shown_status(exc),
            error="Inscription non enregistrée. " + refusal(exc),
        )
    waiting = done.status is RegistrationStatus.WAITLISTED
    return back_to(BENEFICIARY_PAGE, "session_waitlisted" if waiting else "session_registered")


@router.post(BENEFICIARY_PAGE + "/{session_id}/cancel", response_model=None)
async def beneficiary_cancel(
    request: Request, session: Beneficiary, deps: Deps, session_id: UUID
) -> Response:
    """Cancel the beneficiary's registration (or take them off the waitlist)."""
    try:
        await cancel_collective_registration(session, session_id, collective=deps.collective)
    except ApiError as exc:
        return await beneficiary_page(
            request,
            session,
            deps,
            status_code=shown_status(exc),
            error="Inscription non annulée. " + refusal(exc),
        )
    return back_to(BENEFICIARY_PAGE, "session_registration_cancelled")


# Staff: the region's list ---------------------------------------------------------------------


async def region_page(
    request: Request,
    session: Session,
    deps: Deps,
    role: StaffRole,
    *,
    draft: SessionDraft | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render the region's sessions; a manager also gets the planning form."""
    page = await show_collective_sessions(session, collective=deps.collective, intake=deps.intake)
    return await render(
        request,
        "collective_region.html",
        REGION_TITLE,
        status_code=status_code,
        page=page,
        base=f"/{role}/collective-sessions",
        can_plan=role == "manager",
        form=draft or SessionDraft(modality=Modality.FACE_TO_FACE.value),
        **helpers(),
        **context,
    )


@router.get("/manager/collective-sessions", response_class=HTMLResponse)
async def manager_sessions(request: Request, session: Manager, deps: Deps) -> HTMLResponse:
    """Show the region's sessions with their counts, and the form to plan one."""
    return await region_page(request, session, deps, "manager")


@router.get("/counsellor/collective-sessions", response_class=HTMLResponse)
async def counsellor_sessions(request: Request, session: Counsellor, deps: Deps) -> HTMLResponse:
    """Show the region's sessions with their counts."""
    return await region_page(request, session, deps, "counsellor")


@router.post("/manager/collective-sessions", response_model=None)
async def manager_plan(request: Request, session: Manager, deps: Deps) -> Response:
    """Plan a session; a refused form comes back as typed, each error beside its field."""
    form = await request.form()
    # Each field is capped, so a huge value cannot be echoed back.
    draft = SessionDraft.model_validate(
        {name: str(form.get(name, ""))[:400] for name in SessionDraft.model_fields}
    )
    try:
        created = await plan_collective_session(session, draft, collective=deps.collective)
    except InvalidSessionDraftError as exc:
        errors = exc.errors
    except ApiError as exc:
        errors = form_errors(exc.errors) if exc.status == 422 else ()
        if not errors:
            return await region_page(
                request,
                session,
                deps,
                "manager",
                draft=draft,
                status_code=shown_status(exc),
                error="La réunion n'est pas créée. " + refusal(exc),
            )
    else:
        return back_to(f"/manager/collective-sessions/{created.session_id}", "session_planned")
    return await region_page(
        request,
        session,
        deps,
        "manager",
        draft=draft,
        status_code=422,
        field_errors=plan_messages(errors),
        error="La réunion n'est pas encore créée : corrigez les champs signalés.",
    )


# Staff: one session ---------------------------------------------------------------------------


async def session_page(
    request: Request,
    session: Session,
    deps: Deps,
    session_id: UUID,
    role: StaffRole,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render one session with its registrations, and the actions the role may take."""
    try:
        page = await show_collective_session(
            session, session_id, collective=deps.collective, intake=deps.intake
        )
    except ApiError as exc:
        shown = exc.status if exc.status in (403, 404, 503) else 502
        return await error_page(request, shown)
    return await render(
        request,
        "collective_session.html",
        page.session.title,
        status_code=status_code,
        page=page,
        base=f"/{role}/collective-sessions",
        can_manage=role == "manager",
        now=deps.clock(),
        **helpers(),
        **context,
    )


async def refused(
    request: Request,
    session: Session,
    deps: Deps,
    session_id: UUID,
    role: StaffRole,
    exc: ApiError,
) -> Response:
    """Show the session again with why the action was refused."""
    return await session_page(
        request,
        session,
        deps,
        session_id,
        role,
        status_code=shown_status(exc),
        error="Action non effectuée. " + refusal(exc),
    )


@router.get("/manager/collective-sessions/{session_id}", response_model=None)
async def manager_session(
    request: Request, session: Manager, deps: Deps, session_id: UUID
) -> Response:
    """Show one session of the region with its registrations."""
    return await session_page(request, session, deps, session_id, "manager")


@router.get("/counsellor/collective-sessions/{session_id}", response_model=None)
async def counsellor_session(
    request: Request, session: Counsellor, deps: Deps, session_id: UUID
) -> Response:
    """Show one session of the region with its registrations."""
    return await session_page(request, session, deps, session_id, "counsellor")


async def attendance(
    request: Request,
    session: Session,
    deps: Deps,
    session_id: UUID,
    role: StaffRole,
    registration_id: UUID,
    attended: str,
) -> Response:
    """Record whether one registered person came."""
    try:
        await mark_session_attendance(
            session,
            session_id,
            registration_id,
            attended=attended == "yes",
            collective=deps.collective,
        )
    except ApiError as exc:
        return await refused(request, session, deps, session_id, role, exc)
    return back_to(f"/{role}/collective-sessions/{session_id}", "attendance_marked")


@router.post("/manager/collective-sessions/{session_id}/attendance", response_model=None)
async def manager_attendance(
    request: Request,
    session: Manager,
    deps: Deps,
    session_id: UUID,
    registration_id: Annotated[UUID, Form()],
    attended: Annotated[Literal["yes", "no"], Form()],
) -> Response:
    """Record whether one registered person came."""
    return await attendance(
        request, session, deps, session_id, "manager", registration_id, attended
    )


@router.post("/counsellor/collective-sessions/{session_id}/attendance", response_model=None)
async def counsellor_attendance(
    request: Request,
    session: Counsellor,
    deps: Deps,
    session_id: UUID,
    registration_id: Annotated[UUID, Form()],
    attended: Annotated[Literal["yes", "no"], Form()],
) -> Response:
    """Record whether one registered person came."""
    return await attendance(
        request, session, deps, session_id, "counsellor", registration_id, attended
    )


@router.post("/manager/collective-sessions/{session_id}/requalify", response_model=None)
async def manager_requalify(
    request: Request,
    session: Manager,
    deps: Deps,
    session_id: UUID,
    modality: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Move the session to video or phone; the service tells every registrant."""
    chosen = next((m for m in REMOTE_MODALITIES if m.value == modality), None)
    if chosen is None:
        return await session_page(
            request,
            session,
            deps,
            session_id,
            "manager",
            status_code=422,
            field_errors={"modality": "Choisissez la visio ou le téléphone."},
        )
    try:
        await requalify_collective_session(session, session_id, chosen, collective=deps.collective)
    except ApiError as exc:
        return await refused(request, session, deps, session_id, "manager", exc)
    return back_to(f"/manager/collective-sessions/{session_id}", "session_requalified")


@router.post("/manager/collective-sessions/{session_id}/cancel", response_model=None)
async def manager_cancel(
    request: Request,
    session: Manager,
    deps: Deps,
    session_id: UUID,
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Cancel the session once the box confirming it is ticked; registrants are told."""
    try:
        await cancel_collective_session(
            session, session_id, confirmed=confirm == "yes", collective=deps.collective
        )
    except NotConfirmedError:
        return await session_page(
            request,
            session,
            deps,
            session_id,
            "manager",
            status_code=422,
            field_errors={"confirm": "Cochez cette case pour confirmer l'annulation."},
        )
    except ApiError as exc:
        return await refused(request, session, deps, session_id, "manager", exc)
    return back_to(f"/manager/collective-sessions/{session_id}", "session_cancelled")

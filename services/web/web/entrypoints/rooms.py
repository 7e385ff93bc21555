"""Video and phone sessions: the call pages, their ticket endpoint, and the pre-call check."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

import re
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import urlsplit
from uuid import UUID

import structlog
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from jalon_shared.access import Role
from web.application.appointment_views import Appointment
from web.application.call_passes import (
    RENEW_EVERY,
    CallPass,
    CallPasses,
    InvalidPassError,
    PassKind,
)
from web.application.errors import ApiError
from web.application.join_windows import (
    appointment_join_window,
    collective_join_window,
    join_opens_at,
    join_path,
)
from web.application.open_appointment_room import open_appointment_room
from web.application.open_collective_room import open_collective_room
from web.application.open_join_link import open_join_link
from web.application.open_room import CallStart, RoomState
from web.application.renew_room_ticket import renew_room_ticket
from web.application.room_views import Room
from web.application.start_equipment_check import start_equipment_check
from web.domain.sessions import Session
from web.entrypoints.deps import Deps, WebDeps
from web.entrypoints.errors import error_page
from web.entrypoints.formatting import french_moment, french_time
from web.entrypoints.pages import TEMPLATES, render
from web.entrypoints.security import PAGE_HEADERS
from web.entrypoints.session import current_session, persona

log = structlog.get_logger(__name__)

router = APIRouter(tags=["remote sessions"])
Beneficiary = Annotated[Session, Depends(persona(Role.BENEFICIARY))]
Counsellor = Annotated[Session, Depends(persona(Role.COUNSELLOR))]
Manager = Annotated[Session, Depends(persona(Role.MANAGER))]
#: A join link's token: an HS256 JWT of ids and an expiry, well under this.
Link = Annotated[str, Path(max_length=1024)]
Back = Annotated[str, Query(alias="retour", max_length=200)]

TICKET_URL = "/calls/ticket"
CHECK_PAGE = "/test-materiel"
CALL_SCRIPT_PATH = "/scripts/call.js"
CHECK_SCRIPT_PATH = "/scripts/check.js"
#: A call page's own way back to itself, for the check page's "Retour à la séance".
CALL_PAGE = re.compile(
    r"^/(counsellor|beneficiary|manager)/(rooms/[0-9a-f-]{36}|collective/[0-9a-f-]{36}/room)$"
)

GONE = "Aucune séance à distance n'est prévue pour ce rendez-vous, ou elle ne vous concerne pas."
GONE_COLLECTIVE = (
    "Aucune séance à distance n'est prévue pour cette réunion, ou vous n'y êtes pas inscrit."
)
#: Staff see "Rejoindre" on every remote meeting of the region, but its room opens with the
#: first registration: before it, the presenter has nothing to enter yet.
GONE_COLLECTIVE_STAFF = (
    "La salle de cette réunion n'est pas ouverte : elle s'ouvre à la première inscription. "
    "Revenez quand une personne s'est inscrite."
)
EXPIRED = (
    "Ce lien n'est plus valable : la séance est terminée, ou le lien a été recopié incomplètement."
)
#: What the ticket endpoint answers a page that may not go on, in words the page shows.
TICKET_REFUSALS: dict[str, str] = {
    "pass_invalid": (
        "Votre accès à la séance a expiré. Rechargez la page (ou rouvrez le lien de votre "
        "message) pour revenir."
    ),
    "not_allowed": "Vous n'avez pas accès à cette séance.",
    "unavailable": "Le service des séances à distance ne répond pas. Nouvel essai en cours…",
}


# Template helpers ---------------------------------------------------------------------------

TEMPLATES.env.globals.update(
    appointment_join_window=appointment_join_window,
    collective_join_window=collective_join_window,
    join_opens_at=join_opens_at,
)


def join_link(deps: WebDeps, appointment: Appointment) -> str | None:
    """Return the join link page of a phone or video appointment, for the /rdv page."""
    if deps.links is None or appointment_join_window(appointment, deps.clock()) is None:
        return None
    return join_path(appointment, deps.links)


def websocket_origin(url: str) -> str:
    """Return the scheme, host and port of the signalling URL, for the page's connect-src."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def media_page_policy(signalling_url: str) -> str:
    """Return the call and check pages' policy: their own scripts, and one socket elsewhere."""
    origin = websocket_origin(signalling_url)
    connect = f"connect-src 'self' {origin}" if origin else "connect-src 'self'"
    return (
        PAGE_HEADERS["content-security-policy"].replace("script-src 'none'", "script-src 'self'")
        + f"; media-src 'self' blob: mediastream:; {connect}"
    )


def page_headers(deps: WebDeps) -> dict[str, str]:
    """Return the media pages' headers (the guard adds the others)."""
    return {
        "content-security-policy": media_page_policy(deps.signalling_url),
        # The camera and microphone for this origin only, never for a framed page.
        "permissions-policy": "camera=(self), microphone=(self), display-capture=()",
    }


def signalling_url(deps: WebDeps, path: str) -> str:
    """Return the browser-facing socket URL of a signalling path."""
    return deps.signalling_url.rstrip("/") + path


def duration_text(seconds: float | None) -> str | None:
    """Return "42 min" or "1 h 05" for a session's length."""
    if seconds is None:
        return None
    if seconds < 60:
        return "moins d'une minute"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d}"


def call_payload(deps: WebDeps, start: CallStart, pass_token: str) -> dict[str, Any]:
    """Return what a call page's script needs: the room, a ticket when open, the pass."""
    room = start.room
    now = deps.clock()
    return {
        "room_id": str(room.room_id),
        "kind": room.kind.value,
        "modality": room.modality.value,
        "role": room.your_role.value,
        "host": room.hosted_by_caller,
        "state": start.state.value,
        "ticket": start.ticket.ticket if start.ticket else None,
        "signalling_url": signalling_url(deps, start.ticket.signalling_path)
        if start.ticket
        else None,
        "opens_in_seconds": max(0, int((room.opens_at - now).total_seconds()) + 1)
        if start.state is RoomState.NOT_YET_OPEN
        else None,
        "duration_seconds": room.duration_seconds,
        "pass": pass_token,
    }


# The call page ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallPlace:
    """Where a call page sits: its way back and its pre-call check."""

    back: str | None
    back_label: str | None
    check_url: str
    #: The person arrived by a message's link: no space, no sign-out.
    by_link: bool = False


def call_title(room: Room) -> str:
    """Return the page's title: what kind of meeting, and how."""
    how = "en visio" if room.is_video else "par téléphone"
    if room.collective_session_id is not None:
        return f"Réunion d'information {how}"
    return f"Rendez-vous {how}"


async def call_page(
    request: Request, deps: WebDeps, start: CallStart, call_pass: CallPass, place: CallPlace
) -> HTMLResponse:
    """Render the call page with a fresh ticket (when open), the signalling URL and the pass."""
    room = start.room
    pass_token = CallPasses(deps.form_key).sign(call_pass)
    return await render(
        request,
        "room_call.html",
        call_title(room),
        headers=page_headers(deps),
        room=room,
        state=start.state.value,
        call={
            **call_payload(deps, start, pass_token),
            "ticket_url": TICKET_URL,
            "renew_seconds": int(RENEW_EVERY.total_seconds()),
        },
        when=french_moment(room.starts_at),
        ends_at=french_time(room.ends_at) if room.ends_at else None,
        opens_at=french_moment(room.opens_at),
        closes_at=french_moment(room.closes_at),
        duration=duration_text(room.duration_seconds),
        place=place,
    )


async def no_room(request: Request, exc: ApiError, message: str) -> Response:
    """Say there is no room for the caller, or that the service failed."""
    if exc.status in (403, 404):
        # Not theirs, or no room at all: the same words either way.
        return await render(
            request, "message.html", "Séance introuvable", status_code=404, error=message
        )
    return await error_page(request, 503 if exc.status == 503 else 502)


def unavailable(deps: WebDeps) -> bool:
    """Return whether the front was built without the remote-session service."""
    return deps.rooms is None or not deps.signalling_url


def with_back(request: Request) -> str:
    """Return the check page's address, leading back to this call page."""
    return f"{CHECK_PAGE}?retour={request.url.path}"


async def appointment_call(
    request: Request, deps: WebDeps, session: Session, appointment_id: UUID, place: CallPlace
) -> Response:
    """Open an appointment's call page for the session's person."""
    if unavailable(deps):
        return await error_page(request, 503)
    try:
        start = await open_appointment_room(
            session, appointment_id, rooms=deps.rooms, now=deps.clock()
        )
    except ApiError as exc:
        return await no_room(request, exc, GONE)
    call_pass = CallPass.of(session, PassKind.APPOINTMENT, appointment_id)
    return await call_page(request, deps, start, call_pass, place)


@router.get("/counsellor/rooms/{appointment_id}", response_model=None)
async def counsellor_call(
    request: Request, session: Counsellor, deps: Deps, appointment_id: UUID
) -> Response:
    """The counsellor's call page for one of their phone or video appointments."""
    return await appointment_call(
        request,
        deps,
        session,
        appointment_id,
        CallPlace("/counsellor/agenda", "Retour à l'agenda", with_back(request)),
    )


@router.get("/beneficiary/rooms/{appointment_id}", response_model=None)
async def beneficiary_call(
    request: Request, session: Beneficiary, deps: Deps, appointment_id: UUID
) -> Response:
    """The beneficiary's call page for one of their own phone or video appointments."""
    return await appointment_call(
        request,
        deps,
        session,
        appointment_id,
        CallPlace("/beneficiary/appointments", "Retour à mes rendez-vous", with_back(request)),
    )


async def invalid_join_link(request: Request, reason: str = EXPIRED) -> HTMLResponse:
    """Say the join link opens nothing, and offer the sign-in instead."""
    return await render(
        request, "appointment_link_invalid.html", "Lien non valable", status_code=404, reason=reason
    )


@router.get("/visio/{link}", response_model=None)
async def link_call(request: Request, deps: Deps, link: Link) -> Response:
    """The call page a message's join link opens, as its beneficiary, without signing in."""
    if deps.links is None or unavailable(deps):
        return await error_page(request, 503)
    found = open_join_link(link, links=deps.links, issuer=deps.issuer)
    if found is None:
        return await invalid_join_link(request)
    try:
        start = await open_appointment_room(
            found.session, found.appointment_id, rooms=deps.rooms, now=deps.clock()
        )
    except ApiError as exc:
        if exc.status in (403, 404):
            return await invalid_join_link(request, GONE)
        return await error_page(request, 503 if exc.status == 503 else 502)
    call_pass = CallPass.of(found.session, PassKind.APPOINTMENT, found.appointment_id)
    place = CallPlace(None, None, f"/visio/{link}{CHECK_PAGE}", by_link=True)
    return await call_page(request, deps, start, call_pass, place)


async def collective_call(
    request: Request, deps: WebDeps, session: Session, session_id: UUID, place: CallPlace
) -> Response:
    """Open a remote information meeting's call page for the session's person."""
    if unavailable(deps):
        return await error_page(request, 503)
    try:
        start = await open_collective_room(session, session_id, rooms=deps.rooms, now=deps.clock())
    except ApiError as exc:
        staff = session.principal.role is not Role.BENEFICIARY
        return await no_room(request, exc, GONE_COLLECTIVE_STAFF if staff else GONE_COLLECTIVE)
    call_pass = CallPass.of(session, PassKind.COLLECTIVE, session_id)
    return await call_page(request, deps, start, call_pass, place)


@router.get("/beneficiary/collective/{session_id}/room", response_model=None)
async def beneficiary_collective_call(
    request: Request, session: Beneficiary, deps: Deps, session_id: UUID
) -> Response:
    """A registered beneficiary's page for a remote information meeting."""
    place = CallPlace("/beneficiary/collective-sessions", "Retour aux réunions", with_back(request))
    return await collective_call(request, deps, session, session_id, place)


@router.get("/counsellor/collective/{session_id}/room", response_model=None)
async def counsellor_collective_call(
    request: Request, session: Counsellor, deps: Deps, session_id: UUID
) -> Response:
    """A counsellor of the region presents a remote information meeting."""
    back = f"/counsellor/collective-sessions/{session_id}"
    place = CallPlace(back, "Retour à la réunion", with_back(request))
    return await collective_call(request, deps, session, session_id, place)


@router.get("/manager/collective/{session_id}/room", response_model=None)
async def manager_collective_call(
    request: Request, session: Manager, deps: Deps, session_id: UUID
) -> Response:
    """A manager of the region presents a remote information meeting."""
    back = f"/manager/collective-sessions/{session_id}"
    place = CallPlace(back, "Retour à la réunion", with_back(request))
    return await collective_call(request, deps, session, session_id, place)


# Tickets ------------------------------------------------------------------------------------


def refused(status_code: int, code: str) -> JSONResponse:
    """Answer a page's ticket request that cannot be served, with the words to show."""
    return JSONResponse({"error": code, "message": TICKET_REFUSALS[code]}, status_code=status_code)


@router.post(TICKET_URL, response_model=None)
async def ticket(request: Request, deps: Deps) -> JSONResponse:
    """Give a call or check page a new ticket and a renewed pass (JSON for its script)."""
    form = await request.form()
    passes = CallPasses(deps.form_key)
    try:
        call_pass = passes.read(str(form.get("pass", ""))[:4096])
    except InvalidPassError:
        return refused(401, "pass_invalid")
    if unavailable(deps):
        return refused(503, "unavailable")
    try:
        if call_pass.kind is PassKind.CHECK:
            check = await start_equipment_check(
                call_pass, rooms=deps.rooms, issuer=deps.issuer, revocations=deps.revocations
            )
            return JSONResponse(
                {
                    "ticket": check.ticket,
                    "signalling_url": signalling_url(deps, check.signalling_path),
                    "pass": passes.sign(call_pass),
                }
            )
        start = await renew_room_ticket(
            call_pass,
            rooms=deps.rooms,
            issuer=deps.issuer,
            revocations=deps.revocations,
            now=deps.clock(),
        )
    except InvalidPassError:
        return refused(401, "pass_invalid")
    except ApiError as exc:
        log.info("room ticket refused", status=exc.status)
        if exc.status in (401, 403, 404):
            return refused(403, "not_allowed")
        return refused(503, "unavailable")
    return JSONResponse(call_payload(deps, start, passes.sign(call_pass)))


# The pre-call check -------------------------------------------------------------------------


async def check_page(
    request: Request, deps: WebDeps, session: Session | None, back: str | None, by_link: bool
) -> HTMLResponse:
    """Render the pre-call check; its connection test needs a session or a join link."""
    can_connect = session is not None and not unavailable(deps)
    pass_token = (
        CallPasses(deps.form_key).sign(CallPass.of(session, PassKind.CHECK))
        if session is not None and can_connect
        else None
    )
    return await render(
        request,
        "room_check.html",
        "Tester mon matériel",
        headers=page_headers(deps),
        check={"pass": pass_token, "ticket_url": TICKET_URL},
        can_connect=can_connect,
        signed_in=session is not None,
        back=back,
        by_link=by_link,
    )


@router.get(CHECK_PAGE, response_class=HTMLResponse)
async def equipment_check(request: Request, deps: Deps, retour: Back = "") -> HTMLResponse:
    """The pre-call check for anyone; the connection test for people signed in."""
    session = await current_session(request)
    back = retour if CALL_PAGE.fullmatch(retour) else None
    return await check_page(request, deps, session, back, by_link=False)


@router.get("/visio/{link}" + CHECK_PAGE, response_model=None)
async def link_equipment_check(request: Request, deps: Deps, link: Link) -> Response:
    """The pre-call check for someone arriving from a message's join link."""
    if deps.links is None:
        return await error_page(request, 503)
    found = open_join_link(link, links=deps.links, issuer=deps.issuer)
    if found is None:
        return await invalid_join_link(request)
    return await check_page(request, deps, found.session, f"/visio/{link}", by_link=True)


# Scripts ------------------------------------------------------------------------------------

SCRIPTS = FilePath(__file__).with_name("scripts")
CALL_SCRIPT = (SCRIPTS / "call.js").read_bytes()
CHECK_SCRIPT = (SCRIPTS / "check.js").read_bytes()


def script(body: bytes) -> Response:
    """Answer a page script; revalidated on each load so a new version never meets an old page."""
    return Response(body, media_type="text/javascript", headers={"cache-control": "no-cache"})


@router.get(CALL_SCRIPT_PATH, include_in_schema=False)
async def call_script() -> Response:
    """Serve the call page's script."""
    return script(CALL_SCRIPT)


@router.get(CHECK_SCRIPT_PATH, include_in_schema=False)
async def check_script() -> Response:
    """Serve the pre-call check's script."""
    return script(CHECK_SCRIPT)

"""What the three personas' appointment pages share: filters, French messages, slot pages."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlencode
from uuid import UUID

from fastapi import Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from jalon_shared.events.vocabulary import AbsentParty, AppointmentKind, ConsentAnswer, Modality
from web.application.appointment_drafts import (
    InvalidDraftError,
    day_of,
    due_time,
    earliest_due_day,
    read_slot,
    slot_value,
)
from web.application.appointment_views import Appointment as AppointmentView
from web.application.appointment_views import (
    AppointmentStatus,
    CancelReason,
    ClosureStatus,
    ExceptionKind,
    NoShowReason,
)
from web.application.errors import ApiError, FieldError
from web.application.find_free_slots import SlotPage, find_free_slots
from web.application.ports import AppointmentApi
from web.application.save_availability import RULE_BOUNDS
from web.domain.sessions import Session
from web.entrypoints import labels
from web.entrypoints.deps import WebDeps
from web.entrypoints.errors import explain
from web.entrypoints.formatting import french_day, french_moment, french_time
from web.entrypoints.pages import TEMPLATES, render

#: Template filter name -> the enum whose French label it shows.
APPOINTMENT_FILTERS: dict[str, type[StrEnum]] = {
    "appointment_kind": AppointmentKind,
    "appointment_status": AppointmentStatus,
    "cancel_reason": CancelReason,
    "no_show_reason": NoShowReason,
    "absent": AbsentParty,
    "consent_answer": ConsentAnswer,
    "exception_kind": ExceptionKind,
    "closure_status": ClosureStatus,
}


def labelled(values: Iterable[StrEnum]) -> list[tuple[str, str]]:
    """Return (code, French label) for the given members."""
    return [(v.value, labels.ENUM_LABELS[type(v)][v]) for v in values]


for _name, _enum in APPOINTMENT_FILTERS.items():
    TEMPLATES.env.filters[_name] = partial(labels.label, enum=_enum)
TEMPLATES.env.filters["appointment_modality"] = labels.appointment_modality
TEMPLATES.env.filters["weekday"] = labels.weekday
TEMPLATES.env.filters["moment"] = french_moment
TEMPLATES.env.filters["day"] = french_day
TEMPLATES.env.filters["clock"] = french_time
TEMPLATES.env.globals.update(
    place_label=labels.place,
    slot_value=slot_value,
    appointment_modalities=[
        (m.value, labels.APPOINTMENT_MODALITY[m], labels.APPOINTMENT_MODALITY_HINT[m])
        for m in (Modality.FACE_TO_FACE, Modality.VIDEO, Modality.PHONE, Modality.ASYNCHRONOUS)
    ],
    appointment_kinds=[
        (k.value, labels.APPOINTMENT_KIND[k], labels.APPOINTMENT_KIND_HINT[k])
        for k in AppointmentKind
    ],
    remote_modalities=[
        (m.value, labels.APPOINTMENT_MODALITY[m]) for m in (Modality.VIDEO, Modality.PHONE)
    ],
    modality_phrase={m.value: text for m, text in labels.APPOINTMENT_MODALITY_PHRASE.items()},
    plan_weekdays=list(labels.WEEKDAY.items()),
    plan_time_zones=list(labels.TIME_ZONES.items()),
    exception_kinds=labelled(ExceptionKind),
    no_show_reasons=labelled(NoShowReason),
    absent_parties=labelled(AbsentParty),
)

# French messages ----------------------------------------------------------------------------

GENERIC = "Cette valeur n'est pas acceptée."

#: What a 409 says, by the reason the service gives.
CONFLICTS: dict[str, str] = {
    "slot_taken": (
        "Ce créneau vient d'être réservé par quelqu'un d'autre. Choisissez-en un autre parmi "
        "les créneaux encore libres ci-dessous."
    ),
    "no_plan": (
        "Le conseiller n'a pas encore publié ses disponibilités : aucun créneau ne peut être "
        "réservé en ligne pour l'instant. Réessayez plus tard ou appelez votre lieu d'accueil."
    ),
    "no_counsellor": (
        "Aucun conseiller n'est encore attribué à ce dossier : un rendez-vous pourra être pris "
        "dès qu'il le sera."
    ),
    "inside_policy_window": (
        "Ce rendez-vous a lieu dans moins de 24 heures : il ne peut plus être déplacé ni annulé "
        "en ligne. Appelez votre conseiller."
    ),
    "not_booked": (
        "Ce rendez-vous n'est plus prévu (il a été annulé ou a déjà eu lieu) : il ne peut plus "
        "être modifié."
    ),
    "no_pending_change": (
        "Aucune proposition n'attend plus de réponse pour ce rendez-vous : elle a peut-être déjà "
        "été traitée."
    ),
    "already_requested": "Ce passage à distance attend déjà la réponse de la personne.",
    "same_modality": "Ce rendez-vous a déjà cette modalité.",
    "not_remote": "Un rendez-vous ne peut passer qu'en visio ou par téléphone.",
    "not_started": (
        "Ce rendez-vous n'a pas encore commencé : il pourra être marqué tenu ou manqué après "
        "son début."
    ),
    "absent_required": "Indiquez qui était absent.",
    "in_the_past": "Ce rendez-vous est déjà passé : il ne peut plus être modifié.",
    "closure_running": (
        "Une fermeture de ce site est déjà en cours d'application sur cette période. Attendez "
        "qu'elle soit terminée avant d'en enregistrer une autre."
    ),
}

#: What a refused field says, by (field, error type) then by field; rows' numbers are dropped.
SLOT_MESSAGES: dict[tuple[str, str] | str, str] = {
    ("slot", "slot_outside_plan"): (
        "Le créneau choisi ne fait pas partie des disponibilités du conseiller : choisissez-en "
        "un dans la liste."
    ),
    ("slot", "inside_minimum_notice"): (
        "Le créneau choisi est trop proche : le conseiller demande à être prévenu plus tôt. "
        "Choisissez un créneau plus tardif."
    ),
    ("slot", "beyond_horizon"): (
        "Le créneau choisi est trop loin dans le temps : choisissez une date plus proche."
    ),
    ("slot", "in_the_past"): "Le créneau choisi est déjà passé : choisissez un créneau à venir.",
    "slot": "Choisissez un créneau dans la liste.",
    ("due_date", "too_soon"): (
        "La date d'échéance doit laisser au moins un jour pour écrire : choisissez une date "
        "plus tardive."
    ),
    ("due_date", "beyond_horizon"): (
        "La date d'échéance est trop lointaine : choisissez une date plus proche."
    ),
    ("due_date", "in_the_past"): "La date d'échéance est passée : choisissez une date à venir.",
    "due_date": "Indiquez la date d'échéance (jour, mois, année).",
    "modality": "Choisissez une façon de vous rencontrer.",
    "kind": "Choisissez le type d'entretien.",
}
RULE_NAMES = {
    "first_meeting_minutes": ("Durée d'un premier entretien", "minutes"),
    "follow_up_minutes": ("Durée d'un entretien de suivi", "minutes"),
    "buffer_before_minutes": ("Battement avant", "minutes"),
    "buffer_after_minutes": ("Battement après", "minutes"),
    "notice_hours": ("Délai de prévenance", "heures"),
    "horizon_days": ("Réservation possible jusqu'à", "jours"),
}
PLAN_MESSAGES: dict[tuple[str, str] | str, str] = {
    "time_zone": "Choisissez un fuseau horaire de la liste.",
    "windows-weekday": "Choisissez un jour de la liste.",
    ("windows-start", "overlap"): (
        "Cette plage chevauche une autre plage du même jour : changez ses heures ou supprimez-la."
    ),
    "windows-start": "Indiquez l'heure de début au format 09:00.",
    ("windows-end", "ends_before_start"): "L'heure de fin doit être après l'heure de début.",
    "windows-end": "Indiquez l'heure de fin au format 17:30.",
    "windows-place": (
        "Choisissez un lieu de la liste : un site de votre région, ou «\u00a0À distance\u00a0»."
    ),
    ("windows", "unknown_site"): (
        "Un lieu choisi n'est pas un site de votre région : choisissez-en un dans la liste."
    ),
    ("windows", "too_long"): "70 plages au plus.",
    "windows": (
        "Les plages horaires ne sont pas acceptées : vérifiez que chacune finit après son début "
        "et qu'elles ne se chevauchent pas."
    ),
    "exceptions-kind": "Choisissez le type d'exception dans la liste.",
    "exceptions-starts_at": "Indiquez le début : date et heure.",
    ("exceptions-ends_at", "ends_before_start"): "La fin doit être après le début.",
    "exceptions-ends_at": "Indiquez la fin : date et heure.",
    "exceptions-place": (
        "Choisissez un lieu de la liste : un site de votre région, ou «\u00a0À distance\u00a0»."
    ),
    ("exceptions", "too_long"): "200 exceptions au plus.",
    "exceptions": (
        "Les exceptions ne sont pas acceptées : vérifiez que chacune finit après son début."
    ),
    **{
        name: f"{text} : indiquez un nombre entier de {unit} entre {low} et {high}."
        for name, (low, high) in RULE_BOUNDS.items()
        for text, unit in (RULE_NAMES[name],)
    },
}
CLOSURE_MESSAGES: dict[tuple[str, str] | str, str] = {
    "site": "Choisissez le site à fermer dans la liste.",
    "starts_at": "Indiquez le début de la fermeture : date et heure.",
    ("ends_at", "ends_before_start"): "La fin de la fermeture doit être après son début.",
    ("ends_at", "in_the_past"): (
        "La fin de la fermeture est déjà passée : indiquez une période à venir."
    ),
    "ends_at": "Indiquez la fin de la fermeture : date et heure.",
    "to_modality": "Choisissez ce qui sera proposé : visio ou téléphone.",
}
ACTION_MESSAGES: dict[tuple[str, str] | str, str] = {
    "reason": "Choisissez un motif dans la liste.",
    "absent": "Indiquez qui était absent.",
    "absent_reason": "Choisissez un motif d'absence dans la liste.",
    "answer": "Choisissez une réponse parmi les boutons proposés.",
    "modality": "Choisissez visio ou téléphone.",
    "outcome": "Choisissez «\u00a0tenu\u00a0» ou «\u00a0absent\u00a0».",
}
ROW = re.compile(r"-\d+-")


def message_for(error: FieldError, table: Mapping[tuple[str, str] | str, str]) -> str:
    """Return the French sentence for one field error, from a form's table."""
    key = ROW.sub("-", error.field)
    return table.get((key, error.type)) or table.get(key) or GENERIC


def messages_by_field(
    errors: Iterable[FieldError], table: Mapping[tuple[str, str] | str, str]
) -> dict[str, str]:
    """Return one message per form field (the first error of each)."""
    found: dict[str, str] = {}
    for error in errors:
        found.setdefault(error.field, message_for(error, table))
    return found


def conflict_reason(exc: ApiError) -> str | None:
    """Return the reason a 409 gives (errors[0].type), or None."""
    if exc.status != status.HTTP_409_CONFLICT:
        return None
    return next((e.type for e in exc.errors if e.type), None)


def refusal(exc: ApiError, action: str = "Action non effectuée.") -> str:
    """Return why the service refused, in French, after what was not done."""
    reason = conflict_reason(exc)
    if reason in CONFLICTS:
        return f"{action} {CONFLICTS[reason]}"
    if exc.errors and exc.status == status.HTTP_422_UNPROCESSABLE_CONTENT:
        first = exc.errors[0]
        table = ACTION_MESSAGES if first.field in ACTION_MESSAGES else SLOT_MESSAGES
        field = "slot" if first.field == "starts_at" else first.field
        return f"{action} {message_for(FieldError(field, first.type), table)}"
    return f"{action} {explain(exc.status)[1]}"


def shown_status(exc: ApiError) -> int:
    """Return the status a page shows for a refusal (a service's 5xx is the front's 502/503)."""
    if 400 <= exc.status < 500:
        return exc.status
    return exc.status if exc.status == status.HTTP_503_SERVICE_UNAVAILABLE else 502


# Navigation ---------------------------------------------------------------------------------


def appointment_api(deps: WebDeps) -> AppointmentApi:
    """Return the appointment service's API, or refuse as unavailable when none is wired."""
    if deps.appointments is None:
        raise ApiError(status.HTTP_503_SERVICE_UNAVAILABLE, "appointment service not configured")
    return deps.appointments


def with_query(url: str, **params: object) -> str:
    """Return the URL with parameters added (those set to None or "" are left out)."""
    path, _, fragment = url.partition("#")
    kept = {k: str(v) for k, v in params.items() if v is not None and v != ""}
    if kept:
        path += ("&" if "?" in path else "?") + urlencode(kept)
    return f"{path}#{fragment}" if fragment else path


def go(target: str, done: str) -> RedirectResponse:
    """Redirect after a post to a page that confirms it (POST-redirect-GET)."""
    return RedirectResponse(with_query(target, done=done), status_code=status.HTTP_303_SEE_OTHER)


LOCAL_PATH = re.compile(
    r"^/(counsellor|beneficiary|manager)(/[A-Za-z0-9_\-/]*)?(\?[A-Za-z0-9=&_\-.%]*)?(#[A-Za-z0-9_\-]*)?$"
)


def local_next(value: str, default: str, space: str) -> str:
    """Return where to go back after an action: a page of the persona's own space, else default.

    Its old confirmation (?done=...) is dropped, so the next one is the only one shown.
    """
    if not LOCAL_PATH.match(value) or not value.startswith(space):
        return default
    path, _, fragment = value.partition("#")
    path, _, query = path.partition("?")
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "done"]
    if kept:
        path += "?" + urlencode(kept)
    return f"{path}#{fragment}" if fragment else path


# Slot pages ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlotFlow:
    """One slot page: whose case, which meeting, where the choice goes and the way back."""

    title: str
    case_id: UUID
    modality: Modality
    kind: AppointmentKind
    #: Where the chosen slot (or due date) is posted.
    action: str
    #: This page's address, without its "from" (the navigation adds it).
    page_url: str
    back: str
    back_label: str
    hidden: dict[str, str] = field(default_factory=dict)
    #: The appointment being moved, if any.
    moving: AppointmentView | None = None
    #: Who the meeting is for, when staff book ("avec Inès Moreau").
    person: str | None = None


async def render_slots(
    request: Request,
    session: Session,
    deps: WebDeps,
    flow: SlotFlow,
    first_day: date | None,
    *,
    status_code: int = 200,
    error: str | None = None,
    field_errors: dict[str, str] | None = None,
    due_date: str = "",
    **context: Any,
) -> HTMLResponse:
    """Render a slot page: two weeks of free slots by day, or a due date for a written exchange."""
    now = deps.clock()
    page: SlotPage | None = None
    if flow.modality is not Modality.ASYNCHRONOUS:
        try:
            page = await find_free_slots(
                session,
                flow.case_id,
                flow.modality,
                flow.kind,
                first_day,
                appointments=appointment_api(deps),
                now=now,
                place=flow.moving.place
                if flow.moving is not None and flow.modality is Modality.FACE_TO_FACE
                else None,
            )
        except ApiError as exc:
            if error is None:
                error = refusal(exc, "Les créneaux ne peuvent pas être affichés.")
                status_code = shown_status(exc)
    earliest = earliest_due_day(now)
    return await render(
        request,
        "appointment_slots.html",
        flow.title,
        status_code=status_code,
        flow=flow,
        page=page,
        error=error,
        field_errors=field_errors or {},
        due_date=due_date,
        earliest_due=earliest.isoformat(),
        earliest_due_text=french_day(earliest),
        nav=lambda day: with_query(flow.page_url, **{"from": day.isoformat()}),
        **context,
    )


def chosen_start(form: FormData, modality: Modality) -> tuple[datetime, str | None, str]:
    """Return (start, place, due date as typed) from a slot button or a due date.

    Raises InvalidDraftError naming the slot or the due date when neither can be read.
    """
    if modality is Modality.ASYNCHRONOUS:
        typed = str(form.get("due_date", ""))[:10]
        day = day_of(typed)
        if day is None:
            raise InvalidDraftError([FieldError("due_date", "missing" if not typed else "invalid")])
        return due_time(day), None, typed
    slot = read_slot(str(form.get("slot", ""))[:120])
    if slot is None:
        raise InvalidDraftError([FieldError("slot", "missing")])
    return slot.starts_at, slot.place, ""


async def slot_refused(
    request: Request,
    session: Session,
    deps: WebDeps,
    flow: SlotFlow,
    form: FormData,
    exc: ApiError | InvalidDraftError,
    *,
    undone: str,
    due_date: str = "",
    **context: Any,
) -> HTMLResponse:
    """Show the slot page again: what was typed, the field at fault, and fresh slots."""
    first_day = day_of(str(form.get("from", ""))[:10])
    field = "due_date" if flow.modality is Modality.ASYNCHRONOUS else "slot"
    if isinstance(exc, InvalidDraftError) or (exc.status == 422 and exc.errors):
        errors = [
            FieldError(field if e.field in ("starts_at", "slot", "due_date") else e.field, e.type)
            for e in exc.errors
        ]
        field_errors = messages_by_field(errors, SLOT_MESSAGES)
        first = message_for(errors[0], SLOT_MESSAGES) if errors else ""
        return await render_slots(
            request,
            session,
            deps,
            flow,
            first_day,
            status_code=422,
            error=f"{undone} {first}",
            field_errors=field_errors,
            due_date=due_date,
            **context,
        )
    return await render_slots(
        request,
        session,
        deps,
        flow,
        first_day,
        status_code=shown_status(exc),
        error=refusal(exc, undone),
        due_date=due_date,
        **context,
    )

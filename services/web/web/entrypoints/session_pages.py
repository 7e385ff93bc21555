"""What the pages of the work between sessions share: French labels and messages, files in and
out, the upload script and the pages' headers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, status
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.datastructures import FormData, UploadFile

from jalon_shared.events.vocabulary import CallOutcome
from web.application.appointment_drafts import InvalidDraftError
from web.application.appointment_views import LOCAL_ZONE
from web.application.document_views import FileStream, Upload
from web.application.errors import ApiError, FieldError
from web.application.session_ports import SessionApi, reachable
from web.application.session_views import (
    MAX_ATTACHMENTS,
    MAX_FILE_BYTES,
    TaskKind,
    TaskStatus,
)
from web.application.show_case_work import show_case_work
from web.application.show_unanswered import show_unanswered
from web.domain.sessions import Session
from web.entrypoints import labels
from web.entrypoints.appointment_pages import message_for
from web.entrypoints.deps import WebDeps
from web.entrypoints.document_pages import file_size, safe_filename, shown_status
from web.entrypoints.errors import explain
from web.entrypoints.pages import TEMPLATES
from web.entrypoints.security import PAGE_HEADERS

router = APIRouter(tags=["assets"])

# French labels of the work between sessions live in labels.py with the others.
labels.DONE.update(
    {
        "message_sent": "Votre message est envoyé.",
        "task_assigned": "Le travail est confié à la personne : elle le voit dans ses messages.",
        "task_completed": "C'est noté : votre conseiller voit que ce travail est fait.",
        "call_logged": "L'appel est consigné dans le dossier.",
    }
)

#: What the file pickers offer (the service judges each file by its content, not its name).
ACCEPTED_ATTACHMENTS = (
    ".pdf,.png,.jpg,.jpeg,.docx,.odt,application/pdf,image/png,image/jpeg,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
    "application/vnd.oasis.opendocument.text"
)


#: How a file's type is named to people, by the media type the service found in its content.
FILE_TYPES: dict[str, str] = {
    "application/pdf": "PDF",
    "image/png": "image PNG",
    "image/jpeg": "image JPEG",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "document DOCX",
    "application/vnd.oasis.opendocument.text": "document ODT",
}
#: The types an attachment keeps on download; anything else is passed on as plain bytes.
ATTACHMENT_TYPES = frozenset(FILE_TYPES)


def duration(seconds: object) -> str:
    """Return a call's length as French readers write it ("45 s", "12 min", "1 h 05")."""
    try:
        total = max(round(float(str(seconds))), 0)
    except (ValueError, OverflowError):
        return "—"
    if total < 60:
        return f"{total} s"
    minutes = round(total / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d}"


def file_type(media_type: object) -> str:
    """Return a file's type as people name it ("PDF", "image PNG"), "fichier" when unknown."""
    return FILE_TYPES.get(str(media_type).split(";", 1)[0].strip().lower(), "fichier")


def today_in_paris(now: datetime) -> date:
    """Return the day it is in Paris (due dates and overdue tasks are Paris days)."""
    return now.astimezone(LOCAL_ZONE).date()


TEMPLATES.env.filters.update(
    task_kind=partial(labels.label, enum=TaskKind),
    task_status=partial(labels.label, enum=TaskStatus),
    call_outcome=partial(labels.label, enum=CallOutcome),
    duration=duration,
    file_type=file_type,
    file_size=file_size,
)
TEMPLATES.env.globals.update(
    task_kinds=[(k.value, labels.TASK_KIND[k]) for k in TaskKind],
    call_outcomes=[(o.value, labels.CALL_OUTCOME[o]) for o in CallOutcome],
    accepted_attachments=ACCEPTED_ATTACHMENTS,
    max_attachments=MAX_ATTACHMENTS,
)

# French messages ------------------------------------------------------------------------------

FILES_TYPES = "un PDF, une image PNG ou JPEG, ou un document DOCX ou ODT"
#: What a refused field says, by (field, error type) then by field, as the service names them.
MESSAGES: dict[tuple[str, str] | str, str] = {
    ("text", "empty"): "Écrivez votre message, ou joignez un fichier, avant d'envoyer.",
    ("text", "missing"): "Écrivez votre message, ou joignez un fichier, avant d'envoyer.",
    ("text", "too_long"): "Ce message est trop long (5 000 caractères au plus).",
    ("text", "string_too_long"): "Ce message est trop long (5 000 caractères au plus).",
    "text": "Ce message n'est pas accepté : vérifiez son texte.",
    (
        "files",
        "too_large",
    ): "Un des fichiers joints dépasse 10 Mo : choisissez un fichier plus léger.",
    ("files", "too_many"): "Trois fichiers au plus par envoi : retirez-en.",
    ("files", "empty"): "Un des fichiers joints est vide : choisissez-en un autre.",
    ("files", "unsupported_type"): (
        f"Un des fichiers joints n'est pas d'un type accepté : joignez {FILES_TYPES}."
    ),
    "files": f"Un des fichiers joints n'est pas accepté : joignez {FILES_TYPES}, 10 Mo au plus.",
    ("note", "too_long"): "Cette note est trop longue (2 000 caractères au plus).",
    ("note", "string_too_long"): "Cette note est trop longue (2 000 caractères au plus).",
    "note": "Cette note n'est pas acceptée : vérifiez son texte.",
    ("title", "string_too_long"): "Ce titre est trop long (200 caractères au plus).",
    "title": "Donnez un titre à ce travail (200 caractères au plus).",
    ("instructions", "too_long"): "Ces consignes sont trop longues (5 000 caractères au plus).",
    ("instructions", "string_too_long"): (
        "Ces consignes sont trop longues (5 000 caractères au plus)."
    ),
    "instructions": "Ces consignes ne sont pas acceptées : vérifiez leur texte.",
    "kind": "Choisissez le type de travail dans la liste.",
    ("due_on", "in_the_past"): (
        "Cette échéance est passée : choisissez aujourd'hui ou une date à venir."
    ),
    "due_on": "Indiquez la date d'échéance (jour, mois, année).",
    ("date", "missing"): "Indiquez le jour de l'appel.",
    "date": "Indiquez le jour de l'appel (jour, mois, année).",
    ("started_at", "missing"): "Indiquez l'heure de début de l'appel.",
    ("started_at", "in_the_future"): (
        "Cet appel n'a pas encore eu lieu : indiquez l'heure à laquelle il a commencé."
    ),
    "started_at": "Indiquez l'heure de début de l'appel (heures et minutes).",
    ("ended_at", "missing"): "Indiquez l'heure de fin de l'appel.",
    ("ended_at", "time"): "Indiquez l'heure de fin de l'appel (heures et minutes).",
    ("ended_at", "in_the_future"): (
        "Cet appel n'est pas encore fini : indiquez l'heure à laquelle il s'est terminé."
    ),
    ("ended_at", "too_long"): "Un appel dure 4 heures au plus : vérifiez les deux heures.",
    "ended_at": "La fin de l'appel doit suivre son début : vérifiez les deux heures.",
    "outcome": "Choisissez comment l'appel s'est passé : joint, pas de réponse ou messagerie.",
    "appointment_id": "Ce rendez-vous n'est pas reconnu : consignez l'appel sans lui.",
}
#: What a refusal (409) says, by the reason the service gives.
CONFLICTS: dict[str, str] = {
    "already_done": "Ce travail est déjà marqué comme fait.",
    "case_closed": "Ce dossier est clos : il ne reçoit plus de message.",
}
#: What a page says when the service does not know the case or the record (404).
NOT_FOUND = (
    "Ce dossier n'est pas encore accessible à la messagerie, ou ce travail n'existe plus. "
    "Rechargez la page dans un instant."
)


def field_refusal(exc: ApiError | InvalidDraftError) -> tuple[FieldError, ...]:
    """Return the fields a refusal names: the page's own reading, or the service's 413/422."""
    if isinstance(exc, InvalidDraftError):
        return exc.errors
    if exc.status == status.HTTP_413_CONTENT_TOO_LARGE:
        return (FieldError("files", "too_large"),)
    if exc.status == status.HTTP_422_UNPROCESSABLE_CONTENT:
        return tuple(e for e in exc.errors if e.field)
    return ()


def explained(
    exc: ApiError | InvalidDraftError, undone: str, prefix: str
) -> tuple[int, str, dict[str, str]]:
    """Return a refusal's status, its French sentence and its messages by form field (the
    service's field names prefixed with the form's, so several forms share a page)."""
    errors = field_refusal(exc)
    if errors:
        by_field: dict[str, str] = {}
        for error in errors:
            by_field.setdefault(f"{prefix}-{error.form_field}", message_for(error, MESSAGES))
        return 422, f"{undone} {next(iter(by_field.values()))}", by_field
    if not isinstance(exc, ApiError):
        return 422, undone, {}
    reason = next((e.type for e in exc.errors if e.type), "")
    if exc.status == status.HTTP_409_CONFLICT and reason in CONFLICTS:
        return 409, f"{undone} {CONFLICTS[reason]}", {}
    if exc.status == status.HTTP_404_NOT_FOUND:
        return 404, f"{undone} {NOT_FOUND}", {}
    return shown_status(exc), f"{undone} {explain(shown_status(exc))[1]}", {}


# The service, files in and out ------------------------------------------------------------


def session_api(deps: WebDeps) -> SessionApi:
    """Return the remote-session service's API, or refuse as unavailable when none is wired."""
    return reachable(deps.sessions)


async def uploads_of(form: FormData, name: str) -> list[Upload]:
    """Return the files a form carries under `name`, each read one byte past the service's
    limit and one file past its count, so that the service refuses them by its own rules."""
    found: list[Upload] = []
    for value in form.getlist(name):
        if not isinstance(value, UploadFile) or not value.filename:
            continue  # an empty file input still sends a nameless part
        if len(found) > MAX_ATTACHMENTS:
            break
        found.append(
            Upload(
                filename=value.filename[:200],
                content=await value.read(MAX_FILE_BYTES + 1),
                media_type=value.content_type or "application/octet-stream",
            )
        )
    return found


def attachment_response(stream: FileStream) -> StreamingResponse:
    """Pass an attachment on as it is read: its type (one the service accepts), a download."""
    media_type = stream.media_type.split(";", 1)[0].strip().lower()
    name = safe_filename(stream.filename, "piece-jointe")
    headers = {
        # The name is plain ASCII by now; filename* says the same for readers that prefer it.
        "content-disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    }
    if stream.length is not None:
        headers["content-length"] = str(stream.length)
    return StreamingResponse(
        stream.chunks,
        media_type=media_type if media_type in ATTACHMENT_TYPES else "application/octet-stream",
        headers=headers,
        background=BackgroundTask(stream.close),
    )


# The counsellor's sections -----------------------------------------------------------------


async def work_section(session: Session, case_id: UUID, deps: WebDeps) -> dict[str, Any]:
    """Return what the case page's messages, tasks and calls need (never fails the page)."""
    now = deps.clock()
    return {
        "work_section": await show_case_work(session, case_id, sessions=deps.sessions),
        "work_today": today_in_paris(now),
    }


async def unanswered_section(session: Session, deps: WebDeps) -> dict[str, Any]:
    """Return what the home page's "Messages sans réponse" needs (never fails the page)."""
    return {
        "unanswered": await show_unanswered(session, sessions=deps.sessions, intake=deps.intake)
    }


# The upload script -------------------------------------------------------------------------

SCRIPT_PATH = "/scripts/upload-progress.js"
_SCRIPT = (Path(__file__).with_name("scripts") / "upload-progress.js").read_bytes()
#: The pages with file forms run the upload script, from this origin only; nothing else changes.
WORK_PAGE_HEADERS: Mapping[str, str] = {
    "content-security-policy": PAGE_HEADERS["content-security-policy"].replace(
        "script-src 'none'", "script-src 'self'"
    )
}


@router.get(SCRIPT_PATH, include_in_schema=False)
async def upload_script() -> Response:
    """Serve the script that shows an upload's progress (the forms work without it)."""
    return Response(
        _SCRIPT,
        media_type="text/javascript",
        # Revalidated on each load, so that a new version never meets an old page.
        headers={"cache-control": "no-cache"},
    )

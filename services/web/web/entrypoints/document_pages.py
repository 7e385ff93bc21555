"""What the document pages share: the service, French messages, files in and out, filters."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from urllib.parse import unquote

from fastapi import Request, status
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask
from starlette.datastructures import FormData, UploadFile

from jalon_shared.events.vocabulary import ResourceKind, SigningMethod, StepOwner, SummaryStatus
from web.application.document_ports import DocumentApi, reachable
from web.application.document_views import (
    SHARE_DAYS,
    ClientInfo,
    DocumentKind,
    FileStream,
    Upload,
)
from web.application.errors import ApiError, FieldError
from web.entrypoints import labels
from web.entrypoints.appointment_pages import labelled, message_for
from web.entrypoints.deps import WebDeps
from web.entrypoints.errors import explain
from web.entrypoints.pages import TEMPLATES

#: The file types a page passes on as they are; anything else is a download of bytes.
PASSED_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})
#: What the file pickers offer (the service judges the content itself, not the name).
ACCEPTED_FILES = ".pdf,.png,.jpg,.jpeg,.docx,.odt,application/pdf,image/png,image/jpeg"
ACCEPTED_SCANS = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def file_size(size: object) -> str:
    """Return a size as French readers write it ("850 octets", "12 Ko", "1,2 Mo")."""
    try:
        count = int(str(size))
    except ValueError:
        return "—"
    if count < 1024:
        return f"{count} octet{'s' if count > 1 else ''}"
    if count < 1024 * 1024:
        return f"{round(count / 1024)} Ko"
    return f"{count / (1024 * 1024):.1f} Mo".replace(".", ",")


TEMPLATES.env.filters.update(
    summary_status=partial(labels.label, enum=SummaryStatus),
    signing_method=partial(labels.label, enum=SigningMethod),
    resource_kind=partial(labels.label, enum=ResourceKind),
    step_owner=partial(labels.label, enum=StepOwner),
    step_owner_for_beneficiary=labels.step_owner_for_beneficiary,
    document_kind=partial(labels.label, enum=DocumentKind),
    comment_author=labels.comment_author,
    evidence_step=labels.evidence_step,
    evidence_actor=labels.evidence_actor,
    verify_problem=labels.verify_problem,
    file_size=file_size,
)
TEMPLATES.env.globals.update(
    step_owners=labelled(StepOwner),
    resource_kinds=labelled(ResourceKind),
    share_days=[(d, "1 jour" if d == 1 else f"{d} jours") for d in SHARE_DAYS],
    accepted_files=ACCEPTED_FILES,
    accepted_scans=ACCEPTED_SCANS,
    summary_texts=[
        (
            "situation",
            "Situation de la personne",
            "Son parcours, sa situation professionnelle actuelle, ses contraintes.",
        ),
        ("wishes", "Souhaits", "Ce que la personne veut faire évoluer, et pourquoi."),
        (
            "skills",
            "Compétences et atouts",
            "Ce qu'elle sait faire, ses expériences, ses qualités reconnues.",
        ),
        (
            "strategy",
            "Stratégie retenue",
            "Le projet retenu ensemble et la façon d'y parvenir.",
        ),
    ],
)

# French messages ----------------------------------------------------------------------------

#: What a refusal (409) says, by the reason the service gives.
CONFLICTS: dict[str, str] = {
    "not_draft": "Ce document n'est plus un brouillon : il ne peut plus être modifié.",
    "not_submitted": "Ce document n'attend pas de signature : il a peut-être déjà été traité.",
    "expired": (
        "Le délai de signature de ce document est dépassé : il ne peut plus être signé. "
        "Votre conseiller peut vous en proposer une nouvelle version."
    ),
    "code_expired": "Ce code a expiré : demandez-en un nouveau avec le bouton ci-dessous.",
    "no_code": "Aucun code n'est en cours : demandez-en un avec le bouton ci-dessous.",
    "locked": (
        "Trop de codes incorrects ont été saisis : ce code ne fonctionne plus. Demandez-en un "
        "nouveau avec le bouton ci-dessous."
    ),
    "already_signed": "Ce document est déjà signé.",
    "signed": "Ce document est déjà signé.",
    "declined": "La personne a refusé de signer ce document.",
    "revoked": "Ce partage est déjà retiré.",
    "not_delivered": "Ce document n'est pas encore disponible.",
    "summary_kept": (
        "Un document de synthèse signé fait partie de votre dossier : il ne peut pas être "
        "supprimé seul. Parlez-en à votre conseiller."
    ),
    "case_closed": "Ce dossier est clos : il ne reçoit plus de nouveau document.",
    "no_email": (
        "Aucune adresse e-mail n'est connue pour vous : le code ne peut pas être envoyé. "
        "Votre conseiller peut recueillir votre signature en sa présence."
    ),
    "closed": "Ce document est clos : il ne peut plus changer.",
}
#: What a refused field says, by (field, error type) then by field; rows' numbers are dropped.
SUMMARY_MESSAGES: dict[tuple[str, str] | str, str] = {
    "level": "Choisissez le niveau d'accompagnement dans la liste.",
    ("situation", "string_too_long"): "Ce texte est trop long (10 000 caractères au plus).",
    "situation": "Décrivez la situation de la personne : ce champ est obligatoire.",
    ("wishes", "string_too_long"): "Ce texte est trop long (10 000 caractères au plus).",
    "wishes": "Décrivez les souhaits de la personne : ce champ est obligatoire.",
    ("skills", "string_too_long"): "Ce texte est trop long (10 000 caractères au plus).",
    "skills": "Décrivez les compétences et atouts de la personne : ce champ est obligatoire.",
    ("strategy", "string_too_long"): "Ce texte est trop long (10 000 caractères au plus).",
    "strategy": "Décrivez la stratégie retenue : ce champ est obligatoire.",
    ("plan-due_on", "date"): "Indiquez une date valide (jour, mois, année).",
    ("plan-due_on", "in_the_past"): "Cette échéance est passée : indiquez une date à venir.",
    "plan-due_on": "Indiquez la date d'échéance de cette étape.",
    ("plan-action", "string_too_long"): "Cette action est trop longue (500 caractères).",
    "plan-action": "Décrivez l'action de cette étape.",
    "plan-owner": "Choisissez qui s'en charge dans la liste.",
    ("plan", "too_long"): "Le plan d'action compte trop d'étapes.",
    "plan": "Le plan d'action n'est pas accepté : vérifiez chaque étape.",
    "resource-kind": "Choisissez le type de ressource dans la liste.",
    ("resource-label", "string_too_long"): "Cette précision est trop longue (200 caractères).",
    "resource-label": "Précisez la ressource (un nom, un organisme, un lien).",
    ("resource", "too_long"): "Trop de ressources : gardez les principales.",
    "resource": "Les ressources ne sont pas acceptées : vérifiez chaque ligne.",
    ("content", "too_long"): "Le document est trop long : raccourcissez ses textes.",
}
ACTION_MESSAGES: dict[tuple[str, str] | str, str] = {
    ("text", "string_too_long"): "Ce commentaire est trop long (2 000 caractères au plus).",
    "text": "Écrivez votre commentaire avant de l'envoyer.",
    "code": "Saisissez le code à 6 chiffres reçu par e-mail.",
    ("code", "not_digits"): (
        "Le code ne contient que des chiffres : vérifiez ce que vous avez saisi."
    ),
    ("reason", "string_too_long"): "Ce texte est trop long (2 000 caractères au plus).",
    "reason": "Indiquez pourquoi vous refusez de signer : votre conseiller en a besoin.",
    "identity_checked": (
        "Cochez cette case une fois l'identité de la personne vérifiée sur une pièce d'identité."
    ),
    ("scan", "missing"): "Choisissez le fichier de la numérisation.",
    ("scan", "too_large"): "La numérisation dépasse 10 Mo : choisissez un fichier plus léger.",
    ("scan", "empty"): "Ce fichier est vide : choisissez-en un autre.",
    ("scan", "unsupported_type"): (
        "Ce type de fichier n'est pas accepté : envoyez un PDF ou une image PNG ou JPEG."
    ),
    "scan": "Cette numérisation n'est pas acceptée : envoyez un PDF ou une image PNG ou JPEG.",
    ("file", "missing"): "Choisissez un fichier sur votre appareil.",
    ("file", "too_large"): "Le fichier dépasse 10 Mo : choisissez un fichier plus léger.",
    ("file", "unsupported_type"): (
        "Ce type de fichier n'est pas accepté : déposez un PDF, une image PNG ou JPEG, ou un "
        "document DOCX ou ODT."
    ),
    ("file", "empty"): "Ce fichier est vide : choisissez-en un autre.",
    "file": (
        "Ce fichier n'est pas accepté : déposez un PDF, une image PNG ou JPEG, ou un document "
        "DOCX ou ODT."
    ),
    ("title", "string_too_long"): "Ce titre est trop long (200 caractères au plus).",
    "title": "Indiquez un titre pour ce document.",
    ("recipient", "string_too_long"): "Ce nom est trop long (200 caractères au plus).",
    "recipient": "Indiquez à qui vous transmettez ce document.",
    ("purpose", "string_too_long"): "Ce texte est trop long (500 caractères au plus).",
    "purpose": "Indiquez pourquoi vous transmettez ce document.",
    "days": "Choisissez une durée dans la liste.",
    "consent": ("Cochez la case pour confirmer votre accord : sans lui, aucun lien n'est créé."),
}


def wrong_code_message(error: FieldError) -> str:
    """Say that the code was wrong, with the tries left when the service counts them."""
    found = re.search(r"\d+", error.message)
    if found is None:
        return "Code incorrect : vérifiez le code reçu par e-mail et recommencez."
    left = int(found.group())
    if left == 0:
        return CONFLICTS["locked"]
    return f"Code incorrect : il vous reste {left} essai{'s' if left > 1 else ''}."


def refusal(exc: ApiError, undone: str) -> str:
    """Return why the service refused, in French, after what was not done."""
    reason = next((e.type for e in exc.errors if e.type), None)
    if exc.status == status.HTTP_409_CONFLICT and reason in CONFLICTS:
        return f"{undone} {CONFLICTS[reason]}"
    if exc.status == status.HTTP_413_CONTENT_TOO_LARGE:
        return f"{undone} Le fichier dépasse 10 Mo : choisissez un fichier plus léger."
    if exc.status == status.HTTP_415_UNSUPPORTED_MEDIA_TYPE:
        return f"{undone} {ACTION_MESSAGES[('file', 'unsupported_type')]}"
    if exc.status == status.HTTP_422_UNPROCESSABLE_CONTENT and exc.errors:
        return f"{undone} {message_for(exc.errors[0], ACTION_MESSAGES)}"
    if exc.status == status.HTTP_429_TOO_MANY_REQUESTS:
        return (
            f"{undone} Trop de demandes en peu de temps : patientez quelques minutes avant de "
            "recommencer, ou contactez votre conseiller."
        )
    return f"{undone} {explain(exc.status)[1]}"


def shown_status(exc: ApiError) -> int:
    """Return the status a page shows for a refusal (a service's 5xx is the front's 502/503)."""
    if 400 <= exc.status < 500:
        return exc.status
    return exc.status if exc.status == status.HTTP_503_SERVICE_UNAVAILABLE else 502


def field_messages(
    errors: tuple[FieldError, ...], table: Mapping[tuple[str, str] | str, str]
) -> dict[str, str]:
    """Return one French message per form field (the first error of each)."""
    found: dict[str, str] = {}
    for error in errors:
        found.setdefault(error.field, message_for(error, table))
    return found


# The service, the person, files ---------------------------------------------------------------


def document_api(deps: WebDeps) -> DocumentApi:
    """Return the document service's API, or refuse as unavailable when none is wired."""
    return reachable(deps.documents)


def client_of(request: Request) -> ClientInfo:
    """Return the person's own address and browser, for the evidence the service keeps."""
    agent = request.headers.get("user-agent", "")[:300]
    return ClientInfo(address=request.client.host if request.client else None, agent=agent or None)


async def upload_of(form: FormData, name: str, limit: int) -> Upload | None:
    """Return the file a form carries under `name` (read up to one byte past the limit)."""
    value = form.get(name)
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    content = await value.read(limit + 1)
    return Upload(
        filename=value.filename[:200],
        content=content,
        media_type=value.content_type or "application/octet-stream",
    )


def safe_filename(name: str | None, fallback: str) -> str:
    """Return a file name safe in a header: plain characters, a sane length."""
    kept = _UNSAFE_NAME.sub("_", unquote(name or "")).strip(" ._")[:100]
    return kept or fallback


def file_response(stream: FileStream, *, fallback_name: str, inline: bool) -> StreamingResponse:
    """Pass a file on as it is read; only PDF and images keep their type, the rest downloads."""
    media_type = stream.media_type.split(";", 1)[0].strip().lower()
    passed = media_type in PASSED_TYPES
    name = safe_filename(stream.filename, fallback_name)
    disposition = "inline" if inline and passed else "attachment"
    # The name is plain ASCII by now, so the simple form of the header is enough.
    headers = {"content-disposition": f'{disposition}; filename="{name}"'}
    if stream.length is not None:
        headers["content-length"] = str(stream.length)
    return StreamingResponse(
        stream.chunks,
        media_type=media_type if passed else "application/octet-stream",
        headers=headers,
        background=BackgroundTask(stream.close),
    )


def public_base(request: Request) -> str:
    """Return the address people reach this front at (its first public origin when set)."""
    origins: tuple[str, ...] = getattr(request.app.state, "public_origins", ())
    if origins:
        return origins[0].rstrip("/")
    return str(request.base_url).rstrip("/")

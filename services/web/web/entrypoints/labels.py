"""French labels for every code the pages show, keyed by the shared enums."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from jalon_shared.access import Role
from jalon_shared.events.vocabulary import (
    AccessibilityNeed,
    CaseAction,
    CaseAlert,
    CaseStatus,
    CloseReason,
    ContactChannel,
    Csp,
    EmploymentSituation,
    MatchedOn,
    Modality,
    NeedTopic,
    ReviewStatus,
    ServiceLevel,
)

CSP: dict[Csp, str] = {
    Csp.CADRE: "Cadre",
    Csp.TECHNICIEN_AGENT_MAITRISE: "Technicien, agent de maîtrise",
    Csp.EMPLOYE: "Employé",
    Csp.OUVRIER: "Ouvrier",
    Csp.INDEPENDANT: "Indépendant",
}
EMPLOYMENT_SITUATION: dict[EmploymentSituation, str] = {
    EmploymentSituation.EMPLOYED: "Salarié",
    EmploymentSituation.SELF_EMPLOYED: "Indépendant",
    EmploymentSituation.JOB_SEEKER: "Demandeur d'emploi",
    EmploymentSituation.SHORT_TIME_WORK: "En activité partielle",
}
SERVICE_LEVEL: dict[ServiceLevel, str] = {
    ServiceLevel.ACCUEIL_INDIVIDUALISE: "Accueil individualisé",
    ServiceLevel.ACCOMPAGNEMENT_PERSONNALISE: "Accompagnement personnalisé",
}
MODALITY: dict[Modality, str] = {
    Modality.FACE_TO_FACE: "En face-à-face",
    Modality.PHONE: "Par téléphone",
    Modality.VIDEO: "En visio",
    Modality.ASYNCHRONOUS: "Par échanges écrits",
}
NEED_TOPIC: dict[NeedTopic, str] = {
    NeedTopic.RECONVERSION: "Reconversion",
    NeedTopic.TRAINING_CPF: "Formation / CPF",
    NeedTopic.VAE: "VAE (validation des acquis de l'expérience)",
    NeedTopic.TRANSITION_PROJECT: "Projet de transition professionnelle",
    NeedTopic.JOB_SEARCH: "Recherche d'emploi",
}
ACCESSIBILITY: dict[AccessibilityNeed, str] = {
    AccessibilityNeed.DISABILITY: "Situation de handicap",
    AccessibilityNeed.LOW_DIGITAL_SKILLS: "Peu à l'aise avec le numérique",
    AccessibilityNeed.NO_EQUIPMENT: "Pas d'ordinateur ni de smartphone",
    AccessibilityNeed.READING_DIFFICULTIES: "Difficultés de lecture",
}
CHANNEL: dict[ContactChannel, str] = {
    ContactChannel.EMAIL: "Courriel",
    ContactChannel.PHONE: "Téléphone",
    ContactChannel.SMS: "SMS",
}
CASE_STATUS: dict[CaseStatus, str] = {
    CaseStatus.OPENED: "Ouvert",
    CaseStatus.IN_PROGRESS: "En cours",
    CaseStatus.CLOSED: "Clos",
}
CLOSE_REASON: dict[CloseReason, str] = {
    CloseReason.PATH_COMPLETED: "Parcours terminé",
    CloseReason.BENEFICIARY_WITHDREW: "Abandon du bénéficiaire",
    CloseReason.NO_RESPONSE: "Sans réponse du bénéficiaire",
    CloseReason.REDIRECTED: "Réorienté vers un autre service",
    CloseReason.OTHER: "Autre motif",
}
ROLE: dict[Role, str] = {
    Role.BENEFICIARY: "le bénéficiaire",
    Role.COUNSELLOR: "un conseiller",
    Role.MANAGER: "un responsable régional",
    Role.SERVICE: "Jalon",
}
HISTORY_ACTION: dict[CaseAction, str] = {
    CaseAction.OPENED: "Dossier ouvert",
    CaseAction.REASSIGNED: "Dossier transféré",
    CaseAction.LEVEL_CHANGED: "Niveau de service changé",
    CaseAction.CLOSED: "Dossier clos",
    CaseAction.DUPLICATE_FLAGGED: "Demande en double possible signalée",
    CaseAction.DUPLICATE_CONFIRMED: "Doublon confirmé : demande rattachée au dossier",
    CaseAction.DUPLICATE_REJECTED: "Doublon écarté : personne différente",
}
CASE_ALERT: dict[CaseAlert, str] = {
    CaseAlert.NO_CONTACT: "Sans contact depuis 30 jours",
    CaseAlert.NOT_CONTACTED: "Premier contact en retard",
    CaseAlert.AWAITING_FIRST_CONTACT: "Premier contact à faire",
}
DUPLICATE_STATUS: dict[ReviewStatus, str] = {
    ReviewStatus.PENDING: "À examiner",
    ReviewStatus.CONFIRMED: "Même personne",
    ReviewStatus.REJECTED: "Personne différente",
}
MATCHED_ON: dict[MatchedOn, str] = {
    MatchedOn.EMAIL: "même courriel",
    MatchedOn.PHONE: "même téléphone",
}
#: Every enum a page shows, with its labels; a unit test checks that none lacks one.
ENUM_LABELS: dict[type[StrEnum], Mapping[Any, str]] = {
    Csp: CSP,
    EmploymentSituation: EMPLOYMENT_SITUATION,
    ServiceLevel: SERVICE_LEVEL,
    Modality: MODALITY,
    NeedTopic: NEED_TOPIC,
    AccessibilityNeed: ACCESSIBILITY,
    ContactChannel: CHANNEL,
    CaseStatus: CASE_STATUS,
    CloseReason: CLOSE_REASON,
    Role: ROLE,
    CaseAction: HISTORY_ACTION,
    CaseAlert: CASE_ALERT,
    ReviewStatus: DUPLICATE_STATUS,
    MatchedOn: MATCHED_ON,
}

#: Languages the request form offers, in this order; codes are ISO 639-1 (lsf: sign language).
LANGUAGES: dict[str, str] = {
    "fr": "Français",
    "en": "Anglais",
    "ar": "Arabe",
    "es": "Espagnol",
    "pt": "Portugais",
    "de": "Allemand",
    "it": "Italien",
    "ro": "Roumain",
    "tr": "Turc",
    "uk": "Ukrainien",
    "br": "Breton",
    "lsf": "Langue des signes française",
}

#: What each action's confirmation says after its redirect (?done=...); unknown codes say nothing.
DONE: dict[str, str] = {
    "reassigned": "Le dossier a été transféré.",
    "level_changed": "Le niveau de service a été modifié.",
    "closed": "Le dossier a été clos.",
    "duplicate_confirmed": "La demande a été rattachée à ce dossier (même personne).",
    "duplicate_rejected": (
        "La demande a été écartée de ce dossier : un dossier séparé est ouvert pour cette personne."
    ),
    # One per RequestOutcome, the assignment told apart when a case was opened.
    "request_case_opened_assigned": (
        "Votre demande est enregistrée. Un conseiller vous a été attribué : "
        "il vous contactera par le moyen que vous avez choisi."
    ),
    "request_case_opened": (
        "Votre demande est enregistrée. Elle attend l'attribution d'un conseiller ; "
        "vous serez contacté dès que ce sera fait."
    ),
    "request_added_to_own_case": (
        "Votre demande a été ajoutée à votre dossier en cours : votre conseiller la verra."
    ),
    "request_pending_duplicate_review": (
        "Votre demande est enregistrée ; un conseiller va la rapprocher de votre dossier."
    ),
    "erased": "Vos données ont été effacées et vous êtes déconnecté.",
    "signed_out": "Vous êtes déconnecté.",
}


def label(value: object, enum: type[StrEnum]) -> str:
    """Return the French label of a code of the enum ("Non renseigné" for none)."""
    if value is None or value == "":
        return "Non renseigné"
    try:
        member = enum(str(value))
    except ValueError:
        # A code this front does not know yet: say so rather than show it raw.
        return "Autre"
    return ENUM_LABELS[enum][member]


def language(code: str) -> str:
    """Return the French name of a language code (the code itself when unknown)."""
    return LANGUAGES.get(code, code.upper())

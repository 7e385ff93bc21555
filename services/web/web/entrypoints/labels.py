"""French labels for every code the pages show, keyed by the shared enums."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from jalon_shared.access import Role
from jalon_shared.events.vocabulary import (
    AbsentParty,
    AccessibilityNeed,
    AppointmentKind,
    CallOutcome,
    CaseAction,
    CaseAlert,
    CaseStatus,
    CloseReason,
    ConsentAnswer,
    ContactChannel,
    Csp,
    EmploymentSituation,
    FollowUpSituation,
    MatchedOn,
    Modality,
    NeedTopic,
    ResourceKind,
    ReviewStatus,
    ServiceLevel,
    SigningMethod,
    StepOwner,
    SummaryStatus,
)
from jalon_shared.periods import PeriodKind
from web.application.appointment_views import (
    REMOTE,
    AppointmentStatus,
    CancelReason,
    ClosureStatus,
    ExceptionKind,
    NoShowReason,
)
from web.application.collective_views import RegistrationStatus, SessionStatus
from web.application.document_views import (
    DocumentKind,
)
from web.application.session_views import TaskKind, TaskStatus

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
    CaseAction.CALL_ATTEMPTED: "Appel sans réponse (pas de réponse ou messagerie)",
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


# Appointments -------------------------------------------------------------------------------

#: How an appointment is held; the request form's MODALITY words a wish, these a meeting.
APPOINTMENT_MODALITY: dict[Modality, str] = {
    Modality.FACE_TO_FACE: "Sur place",
    Modality.PHONE: "Téléphone",
    Modality.VIDEO: "Visio",
    Modality.ASYNCHRONOUS: "Échange écrit",
}
#: The modality inside a sentence ("tenir ce rendez-vous en visio").
APPOINTMENT_MODALITY_PHRASE: dict[Modality, str] = {
    Modality.FACE_TO_FACE: "sur place",
    Modality.PHONE: "par téléphone",
    Modality.VIDEO: "en visio",
    Modality.ASYNCHRONOUS: "par écrit",
}
#: What each modality means for the beneficiary, shown beside its choice.
APPOINTMENT_MODALITY_HINT: dict[Modality, str] = {
    Modality.FACE_TO_FACE: "Vous rencontrez votre conseiller dans son lieu d'accueil.",
    Modality.PHONE: "Votre conseiller vous appelle au numéro que vous avez donné, à l'heure dite.",
    Modality.VIDEO: (
        "Un entretien en vidéo depuis un ordinateur, une tablette ou un smartphone, "
        "avec caméra et micro."
    ),
    Modality.ASYNCHRONOUS: (
        "Vous échangez par écrit avec votre conseiller, à votre rythme, "
        "jusqu'à une date que vous choisissez."
    ),
}
APPOINTMENT_KIND: dict[AppointmentKind, str] = {
    AppointmentKind.FIRST_MEETING: "Premier entretien",
    AppointmentKind.FOLLOW_UP: "Entretien de suivi",
}
APPOINTMENT_KIND_HINT: dict[AppointmentKind, str] = {
    AppointmentKind.FIRST_MEETING: (
        "Pour faire connaissance et faire le point sur votre situation et votre projet."
    ),
    AppointmentKind.FOLLOW_UP: "Pour avancer sur votre projet après un premier entretien.",
}
APPOINTMENT_STATUS: dict[AppointmentStatus, str] = {
    AppointmentStatus.BOOKED: "Prévu",
    AppointmentStatus.CANCELLED: "Annulé",
    AppointmentStatus.HELD: "Tenu",
    AppointmentStatus.NO_SHOW: "Absence",
}
CANCEL_REASON: dict[CancelReason, str] = {
    CancelReason.UNAVAILABLE: "Bénéficiaire indisponible",
    CancelReason.ILLNESS: "Maladie",
    CancelReason.NO_LONGER_NEEDED: "Rendez-vous plus nécessaire",
    CancelReason.COUNSELLOR_UNAVAILABLE: "Conseiller indisponible",
    CancelReason.SITE_CLOSED: "Lieu d'accueil fermé",
    CancelReason.REQUALIFICATION_REFUSED: "Changement de modalité refusé",
    CancelReason.OTHER: "Autre motif",
}
NO_SHOW_REASON: dict[NoShowReason, str] = {
    NoShowReason.ILLNESS: "Maladie",
    NoShowReason.FORGOT: "Oubli",
    NoShowReason.TECHNICAL_PROBLEM: "Problème technique",
    NoShowReason.EMERGENCY: "Urgence",
    NoShowReason.UNKNOWN: "Motif inconnu",
}
ABSENT_PARTY: dict[AbsentParty, str] = {
    AbsentParty.BENEFICIARY: "Bénéficiaire absent",
    AbsentParty.COUNSELLOR: "Conseiller absent",
}
CONSENT_ANSWER: dict[ConsentAnswer, str] = {
    ConsentAnswer.ACCEPTED: "Accepté",
    ConsentAnswer.REFUSED_KEPT: "Refusé, rendez-vous maintenu",
    ConsentAnswer.REFUSED_CANCELLED: "Refusé, rendez-vous annulé",
    ConsentAnswer.ACCEPTED_BY_PHONE: "Accepté par téléphone",
}
EXCEPTION_KIND: dict[ExceptionKind, str] = {
    ExceptionKind.UNAVAILABLE: "Absence ou fermeture",
    ExceptionKind.EXTRA: "Ouverture exceptionnelle",
}
CLOSURE_STATUS: dict[ClosureStatus, str] = {
    ClosureStatus.RUNNING: "En cours d'application",
    ClosureStatus.DONE: "Terminée",
}
#: Weekdays of a plan, 0 being Monday.
WEEKDAY: dict[int, str] = {
    0: "Lundi",
    1: "Mardi",
    2: "Mercredi",
    3: "Jeudi",
    4: "Vendredi",
    5: "Samedi",
    6: "Dimanche",
}
#: Time zones a counsellor's plan may be kept in (France and its overseas territories).
TIME_ZONES: dict[str, str] = {
    "Europe/Paris": "France métropolitaine et Corse (Paris)",
    "America/Guadeloupe": "Guadeloupe",
    "America/Martinique": "Martinique",
    "America/Cayenne": "Guyane",
    "Indian/Reunion": "La Réunion",
    "Indian/Mayotte": "Mayotte",
    "America/Miquelon": "Saint-Pierre-et-Miquelon",
    "Pacific/Noumea": "Nouvelle-Calédonie",
    "Pacific/Tahiti": "Polynésie française (Tahiti)",
    "Pacific/Wallis": "Wallis-et-Futuna",
}
#: The place of a meeting that is not at a site.
REMOTE_PLACE = "À distance"

ENUM_LABELS.update(
    {
        AppointmentKind: APPOINTMENT_KIND,
        AppointmentStatus: APPOINTMENT_STATUS,
        CancelReason: CANCEL_REASON,
        NoShowReason: NO_SHOW_REASON,
        AbsentParty: ABSENT_PARTY,
        ConsentAnswer: CONSENT_ANSWER,
        ExceptionKind: EXCEPTION_KIND,
        ClosureStatus: CLOSURE_STATUS,
    }
)

DONE.update(
    {
        "appointment_booked": "Votre rendez-vous est réservé.",
        "appointment_booked_for": "Le rendez-vous est réservé.",
        "appointment_moved": "Le rendez-vous est déplacé.",
        "appointment_cancelled": "Le rendez-vous est annulé.",
        "appointment_held": "Le rendez-vous est marqué comme tenu.",
        "appointment_no_show": "L'absence est enregistrée.",
        "remote_proposed": (
            "Le passage à distance est proposé : la personne doit l'accepter avant qu'il "
            "s'applique."
        ),
        "consent_accepted": "C'est noté : le rendez-vous se fera à distance.",
        "consent_refused_kept": "C'est noté : le rendez-vous reste comme prévu.",
        "consent_refused_cancelled": "C'est noté : le rendez-vous est annulé.",
        "consent_accepted_by_phone": (
            "L'accord donné par téléphone est enregistré : le rendez-vous se fera à distance."
        ),
        "waitlist_joined": (
            "C'est noté : vous serez prévenu si un créneau plus proche se libère avec votre "
            "conseiller."
        ),
        "waitlist_left": "C'est noté : vous ne serez plus prévenu des créneaux libérés.",
        "availability_saved": "Vos disponibilités sont enregistrées.",
        "closure_started": (
            "La fermeture est enregistrée : les rendez-vous sur place de la période reçoivent "
            "une proposition à distance. Suivez l'avancement ci-dessous."
        ),
    }
)


def appointment_modality(value: object) -> str:
    """Return how an appointment is held, in French ("Autre" for a code not known here)."""
    try:
        return APPOINTMENT_MODALITY[Modality(str(value))]
    except ValueError:
        return "Autre"


def weekday(value: object) -> str:
    """Return the French name of a plan's weekday (0 is Monday)."""
    try:
        return WEEKDAY[int(str(value))]
    except (KeyError, ValueError):
        return "Autre"


def place(code: str | None, sites: Mapping[str, str]) -> str:
    """Return where a meeting is held: a site's name, or "À distance"."""
    if not code or code == REMOTE:
        return REMOTE_PLACE
    return sites.get(code, code)


# Collective information sessions --------------------------------------------------------------

SESSION_STATUS: dict[SessionStatus, str] = {
    SessionStatus.SCHEDULED: "Prévue",
    SessionStatus.CANCELLED: "Annulée",
    SessionStatus.HELD: "Tenue",
}
REGISTRATION_STATUS: dict[RegistrationStatus, str] = {
    RegistrationStatus.REGISTERED: "Inscription confirmée",
    RegistrationStatus.WAITLISTED: "Sur liste d'attente",
    RegistrationStatus.CANCELLED: "Inscription annulée",
    RegistrationStatus.ATTENDED: "Présent",
    RegistrationStatus.ABSENT: "Absent",
}
ENUM_LABELS.update({SessionStatus: SESSION_STATUS, RegistrationStatus: REGISTRATION_STATUS})
DONE.update(
    {
        "session_registered": (
            "Votre inscription est enregistrée. Vous recevez une confirmation avec les détails."
        ),
        "session_waitlisted": (
            "La réunion est complète : vous êtes sur la liste d'attente. "
            "Vous serez prévenu si une place se libère."
        ),
        "session_registration_cancelled": "Votre inscription est annulée.",
        "session_planned": (
            "La réunion est créée : les bénéficiaires de la région peuvent s'inscrire."
        ),
        "attendance_marked": "La présence est enregistrée.",
        "session_requalified": (
            "La modalité de la réunion est changée : chaque inscrit est prévenu."
        ),
        "session_cancelled": "La réunion est annulée : chaque inscrit est prévenu.",
    }
)


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


# Documents and signatures ---------------------------------------------------------------------

SUMMARY_STATUS: dict[SummaryStatus, str] = {
    SummaryStatus.DRAFT: "Brouillon en cours de rédaction",
    SummaryStatus.SUBMITTED: "En attente de signature",
    SummaryStatus.SIGNED: "Signé",
    SummaryStatus.DECLINED: "Signature refusée",
    SummaryStatus.EXPIRED: "Expiré sans signature",
}
SIGNING_METHOD: dict[SigningMethod, str] = {
    SigningMethod.OTP_EMAIL: "Code à usage unique envoyé par e-mail",
    SigningMethod.IN_PERSON: "Signature en présence du conseiller",
    SigningMethod.PAPER_SCAN: "Signature papier numérisée",
}
RESOURCE_KIND: dict[ResourceKind, str] = {
    ResourceKind.CPF: "CPF (compte personnel de formation)",
    ResourceKind.VAE: "VAE (validation des acquis de l'expérience)",
    ResourceKind.TRANSITIONS_PRO: "Transitions Pro",
    ResourceKind.TRAINING: "Formation",
    ResourceKind.OTHER: "Autre",
}
#: Who carries out a step, as the counsellor chooses it.
STEP_OWNER: dict[StepOwner, str] = {
    StepOwner.BENEFICIARY: "La personne accompagnée",
    StepOwner.COUNSELLOR: "Le conseiller",
    StepOwner.TOGETHER: "Ensemble",
    StepOwner.PARTNER: "Un partenaire",
}
#: ... and as the beneficiary reads it (the words printed on the PDF).
STEP_OWNER_FOR_BENEFICIARY: dict[StepOwner, str] = {
    StepOwner.BENEFICIARY: "Vous",
    StepOwner.COUNSELLOR: "Votre conseiller",
    StepOwner.TOGETHER: "Ensemble",
    StepOwner.PARTNER: "Un partenaire",
}
DOCUMENT_KIND: dict[DocumentKind, str] = {
    DocumentKind.SUMMARY: "Document de synthèse signé",
    DocumentKind.UPLOAD: "Fichier déposé",
}
ENUM_LABELS.update(
    {
        SummaryStatus: SUMMARY_STATUS,
        SigningMethod: SIGNING_METHOD,
        ResourceKind: RESOURCE_KIND,
        StepOwner: STEP_OWNER,
        DocumentKind: DOCUMENT_KIND,
    }
)
#: Who wrote a comment, by the role the service records.
COMMENT_AUTHOR: dict[str, str] = {"beneficiary": "La personne", "counsellor": "Le conseiller"}
#: What each step of a summary's evidence trail records (the service's EvidenceStep codes).
EVIDENCE_STEP: dict[str, str] = {
    "drafted": "Rédaction",
    "revised": "Nouvelle version",
    "commented": "Commentaire",
    "submitted": "Soumis à la signature",
    "code_sent": "Code de signature envoyé",
    "code_failed": "Code incorrect saisi",
    "code_verified": "Code vérifié",
    "signed": "Document signé",
    "sealed": "Cachet électronique de Jalon apposé",
    "declined": "Signature refusée",
    "expired": "Délai de signature dépassé",
    "signed_in_person": "Signé en présence du conseiller",
    "paper_attached": "Signature papier numérisée jointe",
    "delivered": "Déposé dans l'espace de la personne",
    "shared": "Partagé par la personne",
    "share_opened": "Partage consulté",
    "share_revoked": "Partage retiré",
}
#: Who took a step of the evidence trail, by the role the service records.
EVIDENCE_ACTOR: dict[str, str] = {
    **COMMENT_AUTHOR,
    "system": "Jalon",
    "recipient": "Le destinataire d'un partage",
}
#: The problems the public verification may find, explained.
VERIFY_PROBLEM: dict[str, str] = {
    "no_signature": "Le fichier ne porte aucune signature électronique.",
    "modified": "Le fichier a été modifié après avoir été signé.",
    "invalid": (
        "La signature n'est pas valide : elle ne correspond pas au contenu ou au certificat."
    ),
    "not_trusted": (
        "Le certificat qui a signé n'est pas émis par une autorité de confiance pour Jalon."
    ),
    "not_whole_file": (
        "La signature ne couvre pas tout le fichier : des données ont été ajoutées après la "
        "signature."
    ),
    "unreadable": "Le fichier n'a pas pu être lu : ce n'est peut-être pas un PDF.",
    "chain_broken": (
        "La chaîne de preuve de ce document est rompue : un enregistrement a été modifié ou retiré."
    ),
}
DONE.update(
    {
        "summary_created": (
            "Le document de synthèse est créé. La personne peut déjà le lire et le commenter."
        ),
        "summary_saved": "Le document est enregistré : une nouvelle version est créée.",
        "summary_submitted": (
            "Le document est soumis à la signature : il ne peut plus être modifié."
        ),
        "comment_added": "Votre commentaire est ajouté.",
        "summary_signed": (
            "Vous avez signé le document. Le fichier signé est rangé dans vos documents."
        ),
        "summary_signed_in_person": (
            "La signature en présence est enregistrée : le document est signé."
        ),
        "summary_signed_paper": (
            "La signature papier numérisée est enregistrée : le document est signé."
        ),
        "summary_declined": (
            "Votre refus de signer est enregistré. Votre conseiller le verra dans votre dossier."
        ),
        "document_uploaded": "Votre fichier est déposé dans vos documents.",
        "document_deleted": "Le document est supprimé.",
        "share_revoked": "Le partage est retiré : son lien ne fonctionne plus.",
    }
)


def comment_author(role: object) -> str:
    """Return who wrote a comment, in French."""
    return COMMENT_AUTHOR.get(str(role), "Autre")


def evidence_step(step: object) -> str:
    """Return what a step of the evidence trail records (the code itself when new here)."""
    return EVIDENCE_STEP.get(str(step), str(step))


def evidence_actor(role: object) -> str:
    """Return who took a step of the evidence trail, in French."""
    return EVIDENCE_ACTOR.get(str(role), "Autre")


def verify_problem(code: object) -> str:
    """Return a verification problem, explained."""
    return VERIFY_PROBLEM.get(str(code), "Un autre problème a été détecté sur ce fichier.")


def step_owner_for_beneficiary(value: object) -> str:
    """Return who carries out a step, as the beneficiary reads it."""
    try:
        return STEP_OWNER_FOR_BENEFICIARY[StepOwner(str(value))]
    except ValueError:
        return "Autre"


# The work between sessions: tasks and logged calls.
TASK_KIND: dict[TaskKind, str] = {
    TaskKind.READING: "Lecture",
    TaskKind.QUESTIONNAIRE: "Questionnaire",
    TaskKind.ENQUIRY: "Enquête métier",
    TaskKind.EXERCISE: "Exercice",
    TaskKind.OTHER: "Autre",
}
TASK_STATUS: dict[TaskStatus, str] = {
    TaskStatus.ASSIGNED: "À faire",
    TaskStatus.DONE: "Fait",
}
CALL_OUTCOME: dict[CallOutcome, str] = {
    CallOutcome.REACHED: "Joint",
    CallOutcome.NO_ANSWER: "Pas de réponse",
    CallOutcome.VOICEMAIL: "Messagerie",
}
ENUM_LABELS.update({TaskKind: TASK_KIND, TaskStatus: TASK_STATUS, CallOutcome: CALL_OUTCOME})


# The manager's activity dashboard -------------------------------------------------------------

PERIOD_KIND: dict[PeriodKind, str] = {
    PeriodKind.WEEK: "Semaine",
    PeriodKind.MONTH: "Mois",
    PeriodKind.QUARTER: "Trimestre",
}
#: The periods of a kind, inside a sentence (« les 12 derniers mois »).
PERIOD_KIND_PLURAL: dict[PeriodKind, str] = {
    PeriodKind.WEEK: "12 dernières semaines",
    PeriodKind.MONTH: "12 derniers mois",
    PeriodKind.QUARTER: "12 derniers trimestres",
}
ENUM_LABELS[PeriodKind] = PERIOD_KIND
#: The dashboard's query fields, as a refusal names them.
DASHBOARD_FIELD: dict[str, str] = {
    "period": "Type de période",
    "at": "Période",
    "site": "Lieu d'accueil",
    "level": "Niveau de service",
    "modality": "Modalité",
    "csp": "Catégorie socio-professionnelle",
}
#: A filter inside « non ventilé par … ».
FILTER_PHRASE: dict[str, str] = {
    "site": "lieu d'accueil",
    "level": "niveau de service",
    "modality": "modalité",
    "csp": "catégorie socio-professionnelle",
}
#: A breakdown's dimension, as its first column's heading.
DIMENSION: dict[str, str] = {
    "site": "Lieu d'accueil",
    "level": "Niveau de service",
    "modality": "Modalité",
    "csp": "Catégorie socio-professionnelle",
    "close_reason": "Motif de clôture",
    "score": "Note de satisfaction",
    "situation": "Situation à 6 mois",
}
FOLLOW_UP_SITUATION: dict[FollowUpSituation, str] = {
    FollowUpSituation.SAME_JOB: "Dans le même emploi",
    FollowUpSituation.NEW_JOB: "Dans un nouvel emploi",
    FollowUpSituation.TRAINING: "En formation",
    FollowUpSituation.PROJECT_UNDER_WAY: "Projet en cours",
    FollowUpSituation.JOB_SEEKING: "En recherche d'emploi",
    FollowUpSituation.OTHER: "Autre situation",
}


def report_row(code: str, label_sent: str, dimension: str, sites: Mapping[str, str]) -> str:
    """Return a breakdown row's French name: reporting's own, else the front's, never a code."""
    if code == "total":
        return "Total"
    if label_sent and label_sent != code:
        return label_sent
    if dimension == "site":
        return sites.get(code, "Autre lieu")
    if dimension == "score":
        return f"{code} sur 5"
    by_dimension: dict[str, type[StrEnum]] = {
        "level": ServiceLevel,
        "csp": Csp,
        "close_reason": CloseReason,
    }
    if dimension == "situation":
        try:
            return FOLLOW_UP_SITUATION[FollowUpSituation(code)]
        except ValueError:
            return "Autre"
    if dimension == "modality":
        return appointment_modality(code)
    enum = by_dimension.get(dimension)
    return label(code, enum) if enum is not None else "Autre"


# Satisfaction surveys -----------------------------------------------------------------------

ENUM_LABELS.update({FollowUpSituation: FOLLOW_UP_SITUATION})
#: The end-of-level survey's satisfaction scale, from 1 to 5.
SATISFACTION: dict[int, str] = {
    1: "Pas du tout satisfait",
    2: "Peu satisfait",
    3: "Moyennement satisfait",
    4: "Satisfait",
    5: "Très satisfait",
}
#: Whether the person would recommend the service: the form's values, in French.
RECOMMEND: dict[str, str] = {"yes": "Oui", "no": "Non", "unknown": "Je ne sais pas"}
DONE.update(
    {"survey_answered": "Merci pour vos réponses ! Elles nous aident à améliorer l'accompagnement."}
)

"""Shared CEP vocabulary used in event contracts."""

from __future__ import annotations

from enum import StrEnum


class Csp(StrEnum):
    """Socio-professional category (CSP) of a beneficiary."""

    CADRE = "cadre"
    TECHNICIEN_AGENT_MAITRISE = "technicien_agent_maitrise"
    EMPLOYE = "employe"
    OUVRIER = "ouvrier"
    INDEPENDANT = "independant"


class EmploymentSituation(StrEnum):
    """Employment situation declared at intake."""

    EMPLOYED = "employed"
    SELF_EMPLOYED = "self_employed"
    JOB_SEEKER = "job_seeker"
    SHORT_TIME_WORK = "short_time_work"


class ServiceLevel(StrEnum):
    """The two CEP service levels; they are not always sequential."""

    ACCUEIL_INDIVIDUALISE = "accueil_individualise"
    ACCOMPAGNEMENT_PERSONNALISE = "accompagnement_personnalise"


class Modality(StrEnum):
    """Delivery modes, all of equal standing."""

    FACE_TO_FACE = "face_to_face"
    PHONE = "phone"
    VIDEO = "video"
    ASYNCHRONOUS = "asynchronous"


class AppointmentKind(StrEnum):
    """What an appointment is for, which sets its length."""

    FIRST_MEETING = "first_meeting"
    FOLLOW_UP = "follow_up"


class AbsentParty(StrEnum):
    """Who was missing when an appointment did not take place."""

    BENEFICIARY = "beneficiary"
    COUNSELLOR = "counsellor"


class ConsentAnswer(StrEnum):
    """A beneficiary's answer to a change of modality they were asked about."""

    ACCEPTED = "accepted"
    #: Refused, and the appointment stays as it was.
    REFUSED_KEPT = "refused_kept"
    #: Refused, and the beneficiary chose to cancel the appointment.
    REFUSED_CANCELLED = "refused_cancelled"
    #: Recorded by the counsellor from a phone call, with its time.
    ACCEPTED_BY_PHONE = "accepted_by_phone"


class NeedTopic(StrEnum):
    """Topics a beneficiary can tick when describing their need."""

    RECONVERSION = "reconversion"
    TRAINING_CPF = "training_cpf"
    VAE = "vae"
    TRANSITION_PROJECT = "transition_project"
    JOB_SEARCH = "job_search"


class AccessibilityNeed(StrEnum):
    """Accessibility needs that change how a beneficiary is met."""

    DISABILITY = "disability"
    LOW_DIGITAL_SKILLS = "low_digital_skills"
    NO_EQUIPMENT = "no_equipment"
    READING_DIFFICULTIES = "reading_difficulties"


class ContactChannel(StrEnum):
    """Preferred contact channel."""

    EMAIL = "email"
    PHONE = "phone"
    SMS = "sms"


class CaseStatus(StrEnum):
    """Lifecycle of a case."""

    OPENED = "opened"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class CloseReason(StrEnum):
    """Why a case was closed."""

    PATH_COMPLETED = "path_completed"
    BENEFICIARY_WITHDREW = "beneficiary_withdrew"
    NO_RESPONSE = "no_response"
    REDIRECTED = "redirected"
    OTHER = "other"


#: The GDPR consent text shown with the request form; a request must name a version intake knows.
CONSENT_TEXT_VERSION = "2026-01"


class RequestOutcome(StrEnum):
    """Where a submitted request landed (intake's answer)."""

    CASE_OPENED = "case_opened"
    ADDED_TO_OWN_CASE = "added_to_own_case"
    PENDING_DUPLICATE_REVIEW = "pending_duplicate_review"


class CaseAction(StrEnum):
    """The steps a case's history records."""

    OPENED = "opened"
    REASSIGNED = "reassigned"
    LEVEL_CHANGED = "level_changed"
    CLOSED = "closed"
    DUPLICATE_FLAGGED = "duplicate_flagged"
    DUPLICATE_CONFIRMED = "duplicate_confirmed"
    DUPLICATE_REJECTED = "duplicate_rejected"
    #: The counsellor called and did not reach the person (no answer, or a voicemail left).
    CALL_ATTEMPTED = "call_attempted"


class CaseAlert(StrEnum):
    """Why a case of the caseload needs the counsellor's attention."""

    NO_CONTACT = "no_contact"
    #: Never contacted and past the first-contact delay.
    NOT_CONTACTED = "not_contacted"
    #: Never contacted, still within the first-contact delay: to do, not yet late.
    AWAITING_FIRST_CONTACT = "awaiting_first_contact"


class ReviewStatus(StrEnum):
    """Where the counsellor's review of a possible duplicate stands."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class MatchedOn(StrEnum):
    """Which contact detail made two requests look like the same person."""

    EMAIL = "email"
    PHONE = "phone"


class SummaryStatus(StrEnum):
    """Where a summary (document de synthèse) stands."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    SIGNED = "signed"
    DECLINED = "declined"
    EXPIRED = "expired"


class SigningMethod(StrEnum):
    """How the beneficiary's consent to a summary was captured."""

    OTP_EMAIL = "otp_email"
    IN_PERSON = "in_person"
    PAPER_SCAN = "paper_scan"


class ResourceKind(StrEnum):
    """The kind of a resource a summary points the beneficiary to."""

    CPF = "cpf"
    VAE = "vae"
    TRANSITIONS_PRO = "transitions_pro"
    TRAINING = "training"
    OTHER = "other"


class StepOwner(StrEnum):
    """Who carries out a step of a summary's action plan."""

    BENEFICIARY = "beneficiary"
    COUNSELLOR = "counsellor"
    TOGETHER = "together"
    PARTNER = "partner"


class RoomKind(StrEnum):
    """A room for one appointment, or for a collective information session."""

    ONE_TO_ONE = "one_to_one"
    COLLECTIVE = "collective"


class ParticipantRole(StrEnum):
    """Who a participant is in a room."""

    COUNSELLOR = "counsellor"
    BENEFICIARY = "beneficiary"
    PRESENTER = "presenter"
    ATTENDEE = "attendee"


class LeaveReason(StrEnum):
    """Why a participant left a room."""

    HUNG_UP = "hung_up"
    DROPPED = "dropped"
    REMOVED = "removed"


class CallOutcome(StrEnum):
    """How a phone call placed outside the system went."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"


class SurveyKind(StrEnum):
    """Which satisfaction survey: at the end of a service level, or the follow-up six months on."""

    END_OF_LEVEL = "end_of_level"
    FOLLOW_UP = "follow_up"


class FollowUpSituation(StrEnum):
    """Where the person stands six months after their path, in their own words."""

    SAME_JOB = "same_job"
    NEW_JOB = "new_job"
    TRAINING = "training"
    PROJECT_UNDER_WAY = "project_under_way"
    JOB_SEEKING = "job_seeking"
    OTHER = "other"

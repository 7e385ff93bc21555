"""Folding events into counters: pure, given the entity state a batch needs.

Facts are attributed to the case's site, CSP and the service level it had at the time. An event
about a case not known yet is parked and folded when the case opens, so the counters come out the
same whatever order the topics are read in. Entities whose facts can change (an appointment
moved, cancelled or held; a meeting registration) keep the contribution they made, so a change
takes it back and adds the new one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from jalon_shared.events.appointment import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentHeld,
    AppointmentModalityChanged,
    AppointmentNoShow,
    AppointmentRescheduled,
    CollectiveSessionRegistered,
)
from jalon_shared.events.document import (
    DocumentDeclined,
    DocumentExpired,
    DocumentSigned,
    DocumentSubmittedForSignature,
)
from jalon_shared.events.envelope import Event
from jalon_shared.events.intake import (
    BeneficiaryErased,
    CaseClosed,
    CaseOpened,
    RequestSubmitted,
    ServiceLevelChanged,
    SurveyAnswered,
    SurveyOffered,
)
from jalon_shared.events.session import (
    SessionCallLogged,
    SessionEnded,
    SessionMessagePosted,
    SessionTaskAssigned,
    SessionTaskCompleted,
)
from jalon_shared.events.vocabulary import (
    CallOutcome,
    ConsentAnswer,
    Modality,
    RoomKind,
    SurveyKind,
)
from reporting.domain.counters import NA, Contribution, Deltas, Dims
from reporting.domain.periods import local_date

REMOTE = frozenset({Modality.PHONE, Modality.VIDEO})
ACCEPTED = frozenset({ConsentAnswer.ACCEPTED, ConsentAnswer.ACCEPTED_BY_PHONE})
#: Registration statuses that hold a place (a waitlisted or cancelled one does not).
PLACED = frozenset({"registered", "promoted", "attended", "absent"})

#: Events that need their case's dimensions before they can be counted.
CASE_EVENTS = (
    AppointmentBooked,
    AppointmentRescheduled,
    AppointmentCancelled,
    AppointmentHeld,
    AppointmentNoShow,
    AppointmentModalityChanged,
    SessionMessagePosted,
    SessionTaskAssigned,
    SessionTaskCompleted,
    SessionCallLogged,
    SessionEnded,
    DocumentSubmittedForSignature,
    DocumentSigned,
    DocumentDeclined,
    DocumentExpired,
)


@dataclass(slots=True)
class CaseState:
    """A case's dimensions, and its service level over time; no person, only categories."""

    case_id: UUID
    region: str
    site: str
    csp: str
    #: (from, level), oldest first.
    levels: list[tuple[datetime, str]]
    #: Known from its opening (not only from a level change read first).
    opened: bool = True
    #: The facts counted for it, with their moment: a level change read late re-attributes them.
    facts: list[tuple[datetime, Contribution]] = field(default_factory=list)

    def level_at(self, moment: datetime) -> str:
        """Return the service level the case had at a moment (its first one before it opened)."""
        level = self.levels[0][1]
        for since, value in self.levels:
            if since <= moment:
                level = value
        return level

    def dims(self, moment: datetime, modality: str = NA) -> Dims:
        """Return where a fact of this case at a moment falls."""
        return Dims(self.region, self.site, self.level_at(moment), modality, self.csp)


@dataclass(slots=True)
class AppointmentState:
    """An appointment's current facts and the contribution they made."""

    appointment_id: UUID
    case_id: UUID
    modality: str
    starts_at: datetime
    status: str = "booked"
    #: Days from the case's opening, when this was the case's first held appointment.
    first_delay_days: int | None = None
    contribution: Contribution | None = None


@dataclass(slots=True)
class DocumentState:
    """When a summary was sent for signature."""

    document_id: UUID
    case_id: UUID
    submitted_at: datetime


@dataclass(slots=True)
class MeetingState:
    """A collective information session: where, when, how many attended, and its contribution."""

    session_id: UUID
    region: str
    site: str
    modality: str
    starts_at: datetime
    attended: int = 0
    contribution: Contribution | None = None


@dataclass(slots=True)
class RegistrationState:
    """A registration's status and the contribution it made."""

    registration_id: UUID
    session_id: UUID
    status: str
    contribution: Contribution | None = None


@dataclass
class State:
    """The entities a batch touches, loaded before folding and written back after."""

    cases: dict[UUID, CaseState] = field(default_factory=dict)
    appointments: dict[UUID, AppointmentState] = field(default_factory=dict)
    documents: dict[UUID, DocumentState] = field(default_factory=dict)
    meetings: dict[UUID, MeetingState] = field(default_factory=dict)
    registrations: dict[UUID, RegistrationState] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Needs:
    """The ids whose state a batch needs, to load in one query per collection."""

    cases: frozenset[UUID]
    #: Cases whose level changes: their appointments are settled again.
    relevelled: frozenset[UUID]
    appointments: frozenset[UUID]
    documents: frozenset[UUID]
    meetings: frozenset[UUID]
    registrations: frozenset[UUID]


def case_of(event: Event) -> UUID | None:
    """Return the case an event is about, if it needs one to be counted."""
    if isinstance(event, CASE_EVENTS):
        case_id = getattr(event, "case_id", None)
        if isinstance(event, SessionEnded) and event.kind is RoomKind.COLLECTIVE:
            return None
        return case_id if isinstance(case_id, UUID) else None
    return None


def needs(events: list[Event]) -> Needs:
    """Return the state to load before folding a batch."""
    cases: set[UUID] = set()
    appointments: set[UUID] = set()
    documents: set[UUID] = set()
    meetings: set[UUID] = set()
    registrations: set[UUID] = set()
    for event in events:
        case_id = case_of(event)
        if case_id is not None:
            cases.add(case_id)
        if isinstance(event, (CaseOpened, ServiceLevelChanged)):
            cases.add(event.case_id)
        appointment_id = getattr(event, "appointment_id", None)
        if isinstance(appointment_id, UUID) and not isinstance(event, SessionEnded):
            appointments.add(appointment_id)
        if isinstance(
            event,
            (DocumentSubmittedForSignature, DocumentSigned, DocumentDeclined, DocumentExpired),
        ):
            documents.add(event.document_id)
        if isinstance(event, CollectiveSessionRegistered):
            meetings.add(event.session_id)
            registrations.add(event.registration_id)
    return Needs(
        frozenset(cases),
        frozenset(e.case_id for e in events if isinstance(e, ServiceLevelChanged)),
        frozenset(appointments),
        frozenset(documents),
        frozenset(meetings),
        frozenset(registrations),
    )


@dataclass
class Changes:
    """What a folded batch writes: counters, entity state, parked events and erasures."""

    deltas: Deltas = field(default_factory=Deltas)
    cases: dict[UUID, CaseState] = field(default_factory=dict)
    appointments: dict[UUID, AppointmentState] = field(default_factory=dict)
    documents: dict[UUID, DocumentState] = field(default_factory=dict)
    meetings: dict[UUID, MeetingState] = field(default_factory=dict)
    registrations: dict[UUID, RegistrationState] = field(default_factory=dict)
    #: Events waiting for their case, by case.
    parked: list[tuple[UUID, Event]] = field(default_factory=list)
    #: Cases whose parked events were folded: their parking is emptied.
    unparked: set[UUID] = field(default_factory=set)
    #: Cases whose every link is deleted (erasure).
    erased: set[UUID] = field(default_factory=set)


class Fold:
    """Folds a batch of events into counter deltas and entity changes, given the loaded state."""

    def __init__(self, state: State, parked: dict[UUID, list[Event]] | None = None) -> None:
        self._s = state
        self._parked = parked or {}
        self.changes = Changes()

    def apply_all(self, events: list[Event]) -> Changes:
        """Fold a batch: the cases' own events first, so facts about them find their case."""
        first = [e for e in events if isinstance(e, (CaseOpened, ServiceLevelChanged))]
        rest = [e for e in events if not isinstance(e, (CaseOpened, ServiceLevelChanged))]
        for event in first + rest:
            self.apply(event)
        return self.changes

    def apply(self, event: Event) -> None:
        """Fold one event."""
        match event:
            case RequestSubmitted():
                self._request(event)
            case CaseOpened():
                self._case_opened(event)
            case ServiceLevelChanged():
                self._level_changed(event)
            case CaseClosed():
                self._case_closed(event)
            case BeneficiaryErased():
                self._erased(event)
            case SurveyOffered() | SurveyAnswered():
                self._survey(event)
            case CollectiveSessionRegistered():
                self._registration(event)
            case _:
                case_id = case_of(event)
                if case_id is None:
                    return
                case = self._s.cases.get(case_id)
                if case is None or not case.opened:
                    self.changes.parked.append((case_id, event))
                    return
                self._case_fact(event, case)

    # Intake ---------------------------------------------------------------------------------

    def _request(self, event: RequestSubmitted) -> None:
        dims = Dims(event.region, event.site, event.service_level.value, NA, event.csp.value)
        contribution = Contribution(dims, local_date(event.occurred_at)).add("requests")
        if event.duplicate_of is not None:
            contribution.add("requests_duplicate")
        self.changes.deltas.apply(contribution)

    def _case_opened(self, event: CaseOpened) -> None:
        case = self._s.cases.get(event.case_id)
        if case is None:
            case = CaseState(
                event.case_id,
                event.region,
                event.site,
                event.csp.value,
                [(event.occurred_at, event.service_level.value)],
            )
        else:
            # A level change read before the opening: the opening's level comes first.
            case.levels = sorted([(event.occurred_at, event.service_level.value), *case.levels])
            case.region, case.site, case.csp = event.region, event.site, event.csp.value
            case.opened = True
        self._s.cases[case.case_id] = case
        self.changes.cases[case.case_id] = case
        opened = Contribution(case.dims(event.occurred_at), local_date(event.occurred_at))
        opened.add("cases_opened")
        if event.returning:
            opened.add("cases_returning")
        self.changes.deltas.apply(opened)
        waiting = self._parked.pop(case.case_id, [])
        if waiting:
            self.changes.unparked.add(case.case_id)
            # Parked in arrival order; folded in the order they happened, as a rebuild would.
            for parked in sorted(waiting, key=lambda e: (e.occurred_at, str(e.event_id))):
                self._case_fact(parked, case)

    def _level_changed(self, event: ServiceLevelChanged) -> None:
        case = self._s.cases.get(event.case_id)
        if case is None:
            # Known only by this change so far: the opening will put its own level first.
            case = CaseState(event.case_id, event.region, event.site, NA, [], opened=False)
        case.levels = sorted([*case.levels, (event.occurred_at, event.service_level.value)])
        self._s.cases[case.case_id] = case
        self.changes.cases[case.case_id] = case
        if not case.opened:
            return
        # Facts after the change that were counted before it was read move to the new level.
        for index, (at, counted) in enumerate(case.facts):
            if at < event.occurred_at:
                continue
            moved = Contribution(
                case.dims(at, counted.dims.modality), counted.day, counted.counts, counted.buckets
            )
            if moved.dims != counted.dims:
                self.changes.deltas.apply(counted, sign=-1)
                self.changes.deltas.apply(moved)
                case.facts[index] = (at, moved)
        for appointment in list(self._s.appointments.values()):
            if appointment.case_id == case.case_id and appointment.starts_at >= event.occurred_at:
                self._settle(appointment, case)

    def _case_closed(self, event: CaseClosed) -> None:
        dims = Dims(event.region, event.site, event.service_level.value, NA, event.csp.value)
        closed = Contribution(dims, local_date(event.occurred_at))
        closed.add("cases_closed").add(f"closed_{event.reason.value}")
        closed.add("path_days_sum", event.path_days).observe("path_days", event.path_days)
        self.changes.deltas.apply(closed)

    def _erased(self, event: BeneficiaryErased) -> None:
        # Counters stay; the ids that could lead back to the person go.
        for case_id in event.case_ids:
            self._s.cases.pop(case_id, None)
            self.changes.cases.pop(case_id, None)
            self._parked.pop(case_id, None)
            self.changes.erased.add(case_id)
        for appointment_id, appointment in list(self._s.appointments.items()):
            if appointment.case_id in event.case_ids:
                self._s.appointments.pop(appointment_id)
                self.changes.appointments.pop(appointment_id, None)
        for document_id, document in list(self._s.documents.items()):
            if document.case_id in event.case_ids:
                self._s.documents.pop(document_id)
                self.changes.documents.pop(document_id, None)
        self.changes.parked = [
            (case_id, parked)
            for case_id, parked in self.changes.parked
            if case_id not in event.case_ids
        ]

    def _survey(self, event: SurveyOffered | SurveyAnswered) -> None:
        dims = Dims(event.region, event.site, event.service_level.value, NA, event.csp.value)
        fact = Contribution(dims, local_date(event.occurred_at))
        follow_up = event.kind is SurveyKind.FOLLOW_UP
        if isinstance(event, SurveyOffered):
            fact.add("follow_ups_offered" if follow_up else "surveys_offered")
        elif follow_up:
            fact.add("follow_up_answers")
            if event.situation is not None:
                fact.add(f"situation_{event.situation.value}")
        else:
            fact.add("survey_answers")
            if event.satisfaction is not None:
                fact.add("satisfaction_answers").add("satisfaction_sum", event.satisfaction)
                fact.observe("satisfaction", event.satisfaction)
            if event.would_recommend is not None:
                fact.add("recommend_answers")
                if event.would_recommend:
                    fact.add("recommend_yes")
        self.changes.deltas.apply(fact)

    # Facts about a case ---------------------------------------------------------------------

    def _case_fact(self, event: Event, case: CaseState) -> None:
        match event:
            case AppointmentBooked():
                appointment = AppointmentState(
                    event.appointment_id, event.case_id, event.modality.value, event.starts_at
                )
                self._settle(appointment, case)
            case AppointmentRescheduled():
                self._update_appointment(event.appointment_id, case, starts_at=event.starts_at)
            case AppointmentCancelled():
                self._update_appointment(event.appointment_id, case, status="cancelled")
            case AppointmentNoShow():
                self._update_appointment(
                    event.appointment_id, case, status="no_show", modality=event.modality.value
                )
            case AppointmentHeld():
                delay = None
                if event.first_held and event.case_opened_at is not None:
                    held_at = event.starts_at or event.occurred_at
                    delay = max(0, int((held_at - event.case_opened_at).total_seconds() // 86400))
                self._update_appointment(
                    event.appointment_id,
                    case,
                    status="held",
                    modality=event.modality.value,
                    first_delay_days=delay,
                    starts_at=event.starts_at,
                )
            case AppointmentModalityChanged():
                self._modality_changed(event, case)
            case SessionMessagePosted():
                self._count(case, event.occurred_at, Modality.ASYNCHRONOUS, "messages")
            case SessionTaskAssigned():
                self._count(case, event.occurred_at, Modality.ASYNCHRONOUS, "tasks_assigned")
            case SessionTaskCompleted():
                self._count(case, event.occurred_at, Modality.ASYNCHRONOUS, "tasks_completed")
            case SessionCallLogged():
                reached = event.outcome is CallOutcome.REACHED
                metric = "calls_reached" if reached else "calls_unanswered"
                self._count(case, event.started_at, Modality.PHONE, metric)
            case SessionEnded():
                fact = Contribution(
                    case.dims(event.started_at, event.modality.value),
                    local_date(event.started_at),
                )
                seconds = round(event.duration_seconds)
                fact.add("sessions").add("session_seconds_sum", seconds)
                fact.observe("session_minutes", seconds // 60)
                self._record(case, event.started_at, fact)
            case DocumentSubmittedForSignature():
                document = DocumentState(event.document_id, event.case_id, event.occurred_at)
                self._s.documents[document.document_id] = document
                self.changes.documents[document.document_id] = document
                self._count(case, event.occurred_at, NA, "summaries_submitted")
            case DocumentSigned():
                fact = Contribution(case.dims(event.occurred_at), local_date(event.occurred_at))
                fact.add("summaries_signed")
                sent = self._s.documents.get(event.document_id)
                if sent is not None:
                    hours = int((event.occurred_at - sent.submitted_at).total_seconds() // 3600)
                    fact.add("signature_delays").observe("signature_hours", max(0, hours))
                self._record(case, event.occurred_at, fact)
            case DocumentDeclined():
                self._count(case, event.occurred_at, NA, "summaries_declined")
            case DocumentExpired():
                self._count(case, event.occurred_at, NA, "summaries_expired")
            case _:
                return

    def _count(self, case: CaseState, at: datetime, modality: str, metric: str) -> None:
        self._record(case, at, Contribution(case.dims(at, modality), local_date(at)).add(metric))

    def _record(self, case: CaseState, at: datetime, fact: Contribution) -> None:
        """Count a fact of a case, and keep it with the case in case its level is read late."""
        self.changes.deltas.apply(fact)
        case.facts.append((at, fact))
        self.changes.cases[case.case_id] = case

    def _update_appointment(self, appointment_id: UUID, case: CaseState, **changes: Any) -> None:
        appointment = self._s.appointments.get(appointment_id)
        if appointment is None:
            # Its booking was lost to retention: nothing to count a change against.
            return
        for name, value in changes.items():
            if value is not None:
                setattr(appointment, name, value)
        self._settle(appointment, case)

    def _settle(self, appointment: AppointmentState, case: CaseState) -> None:
        """Take back what the appointment counted, and count what it is now."""
        if appointment.contribution is not None:
            self.changes.deltas.apply(appointment.contribution, sign=-1)
        fact = Contribution(
            case.dims(appointment.starts_at, appointment.modality),
            local_date(appointment.starts_at),
        )
        if appointment.status == "cancelled":
            fact.add("appointments_cancelled")
        else:
            fact.add("appointments_planned")
        if appointment.status == "held":
            fact.add("appointments_held")
            if appointment.first_delay_days is not None:
                fact.add("first_appointments").observe(
                    "first_appointment_days", appointment.first_delay_days
                )
        elif appointment.status == "no_show":
            fact.add("appointments_no_show")
        self.changes.deltas.apply(fact)
        appointment.contribution = fact
        self._s.appointments[appointment.appointment_id] = appointment
        self.changes.appointments[appointment.appointment_id] = appointment

    def _modality_changed(self, event: AppointmentModalityChanged, case: CaseState) -> None:
        proposed = event.proposed_modality or event.modality
        if event.previous_modality is Modality.FACE_TO_FACE and proposed in REMOTE:
            fact = Contribution(
                case.dims(event.consent_recorded_at, proposed.value),
                local_date(event.consent_recorded_at),
            ).add("requalifications_proposed")
            if event.consent in ACCEPTED:
                fact.add("requalifications_accepted")
            self._record(case, event.consent_recorded_at, fact)
        self._update_appointment(event.appointment_id, case, modality=event.modality.value)

    # Collective sessions --------------------------------------------------------------------

    def _registration(self, event: CollectiveSessionRegistered) -> None:
        meeting = self._s.meetings.get(event.session_id)
        if meeting is None:
            meeting = MeetingState(
                event.session_id,
                event.region or NA,
                event.site or NA,
                event.modality.value,
                event.starts_at,
            )
        meeting.starts_at = event.starts_at
        meeting.modality = event.modality.value
        registration = self._s.registrations.get(event.registration_id)
        before = registration.status if registration is not None else None
        if registration is None:
            registration = RegistrationState(event.registration_id, event.session_id, event.status)
        registration.status = event.status
        meeting.attended += int(event.status == "attended") - int(before == "attended")
        dims = Dims(meeting.region, meeting.site, NA, meeting.modality, NA)
        day = local_date(meeting.starts_at)
        if registration.contribution is not None:
            self.changes.deltas.apply(registration.contribution, sign=-1)
        fact = Contribution(dims, day)
        if event.status in PLACED:
            fact.add("collective_registered")
        if event.status == "attended":
            fact.add("collective_attended")
        elif event.status == "absent":
            fact.add("collective_absent")
        self.changes.deltas.apply(fact)
        registration.contribution = fact
        if meeting.contribution is not None:
            self.changes.deltas.apply(meeting.contribution, sign=-1)
        held = Contribution(dims, day)
        if meeting.attended > 0:
            held.add("collective_held")
        self.changes.deltas.apply(held)
        meeting.contribution = held
        self._s.meetings[meeting.session_id] = meeting
        self._s.registrations[registration.registration_id] = registration
        self.changes.meetings[meeting.session_id] = meeting
        self.changes.registrations[registration.registration_id] = registration

"""What a notice says: French subject, text, SMS and calendar method, from facts alone (pure).

Messages carry dates, modalities, places and links, never a name, an email, a phone or any
text a person typed: a leaked or misdirected message then reveals as little as it can.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from appointment.domain.notices import REMINDERS, Notice, Template
from jalon_shared.events.vocabulary import AppointmentKind, ContactChannel, Modality
from jalon_shared.french_dates import MONTHS, WEEKDAYS, day_of_month

#: The zone a beneficiary reads times in when nothing says otherwise.
DEFAULT_ZONE = "Europe/Paris"
#: What the place of a remote meeting reads as, in messages and calendars.
REMOTE_LABEL = "À distance"
#: A place that is not a site (the plan's word for it).
REMOTE_PLACE = "remote"

#: Short forms, for calendar titles.
MODALITY_SHORT: dict[Modality, str] = {
    Modality.FACE_TO_FACE: "sur site",
    Modality.PHONE: "téléphone",
    Modality.VIDEO: "visio",
    Modality.ASYNCHRONOUS: "échanges écrits",
}
#: Forms that fit after "votre rendez-vous aura lieu".
MODALITY_PHRASE: dict[Modality, str] = {
    Modality.FACE_TO_FACE: "sur site",
    Modality.PHONE: "par téléphone",
    Modality.VIDEO: "en visio",
    Modality.ASYNCHRONOUS: "par échanges écrits",
}
KIND_LABEL: dict[AppointmentKind, str] = {
    AppointmentKind.FIRST_MEETING: "premier entretien",
    AppointmentKind.FOLLOW_UP: "entretien de suivi",
}
SIGN_OFF = "Ce message est envoyé automatiquement par Jalon : merci de ne pas y répondre."


class CalendarMethod(StrEnum):
    """The iTIP method of the invitation a notice carries (RFC 5546)."""

    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


class ChannelKind(StrEnum):
    """Where a message goes."""

    EMAIL = "email"
    SMS = "sms"


#: Notices that put an event in (or update it in) the beneficiary's calendar.
REQUESTS = frozenset(
    {
        Template.BOOKED,
        Template.RESCHEDULED,
        Template.MODALITY_CHANGED,
        Template.REMINDER_48H,
        Template.REMINDER_2H,
        Template.SESSION_REGISTERED,
        Template.SESSION_PROMOTED,
        Template.SESSION_REQUALIFIED,
    }
)
#: Notices that take the event out of it.
CANCELS = frozenset({Template.CANCELLED, Template.SESSION_CANCELLED})
#: Notices also sent by SMS to people who prefer the phone: the ones with a time to keep.
SMS_TEMPLATES = frozenset(
    {
        Template.BOOKED,
        Template.RESCHEDULED,
        Template.CANCELLED,
        Template.REMINDER_48H,
        Template.REMINDER_2H,
        Template.CONSENT_REQUESTED,
    }
)
#: Appointment notices that carry the room's join link when the appointment is by phone or video.
JOIN_TEMPLATES = frozenset(
    {
        Template.BOOKED,
        Template.RESCHEDULED,
        Template.MODALITY_CHANGED,
        Template.REMINDER_48H,
        Template.REMINDER_2H,
    }
)
#: Modalities that meet in a room of the remote-session service.
ROOM_MODALITIES = frozenset({Modality.PHONE, Modality.VIDEO})
#: Appointment notices about a booked appointment as it stands: dropped once it is not.
ABOUT_BOOKED = frozenset(
    {
        Template.BOOKED,
        Template.RESCHEDULED,
        Template.MODALITY_CHANGED,
        Template.CONSENT_REQUESTED,
        *REMINDERS,
    }
)


@dataclass(frozen=True, slots=True)
class Contact:
    """How to reach a beneficiary, as intake holds it."""

    email: str | None
    phone: str | None
    preferred_channel: ContactChannel = ContactChannel.EMAIL


@dataclass(frozen=True, slots=True)
class Facts:
    """What a message may say about an appointment or a collective session, read when sent."""

    #: The appointment's or the session's id: the calendar event's UID.
    subject_id: UUID
    collective: bool
    modality: Modality
    #: A site code, or "remote".
    place: str
    starts_at: datetime
    ends_at: datetime
    #: booked, cancelled, held or no_show for an appointment; scheduled, cancelled or held for a
    #: session.
    status: str
    #: Bumped on every change: the calendar event's SEQUENCE.
    sequence: int
    #: The site's label from the reference data, when the place is a site.
    site_label: str | None = None
    kind: AppointmentKind | None = None
    #: The appointment's beneficiary (None for a session, which has many).
    beneficiary_id: UUID | None = None
    #: The modality proposed and awaiting the beneficiary's answer, if any.
    proposed_modality: Modality | None = None
    #: The IANA zone the beneficiary reads times in.
    time_zone: str = DEFAULT_ZONE

    @property
    def cancelled(self) -> bool:
        """Return whether the appointment or session is cancelled."""
        return self.status == "cancelled"

    @property
    def remote(self) -> bool:
        """Return whether the meeting is not at a site."""
        return self.place == REMOTE_PLACE or self.modality is not Modality.FACE_TO_FACE

    @property
    def location(self) -> str:
        """Return where it takes place, as a calendar's LOCATION."""
        if self.remote:
            return REMOTE_LABEL
        return self.site_label or self.place

    @property
    def summary(self) -> str:
        """Return the calendar title: what it is and how, never who."""
        what = "Atelier collectif" if self.collective else "Entretien CEP"
        return f"{what} — {MODALITY_SHORT[self.modality]}"


@dataclass(frozen=True, slots=True)
class Links:
    """Where a message sends its reader."""

    #: The beneficiary's space on the web front.
    space_url: str
    #: A signed link to view, move or cancel the appointment, or answer a consent request.
    action_url: str | None = None
    #: A signed link that joins the appointment's room (phone or video), valid until it closes.
    join_url: str | None = None


@dataclass(frozen=True, slots=True)
class Rendered:
    """A notice written out for each channel."""

    subject: str
    text: str
    sms: str
    #: The invitation's method, or None when the message carries no invitation.
    method: CalendarMethod | None
    #: The calendar event's description (no personal data).
    description: str


def calendar_method(template: Template) -> CalendarMethod | None:
    """Return the invitation method a notice carries, if any."""
    if template in REQUESTS:
        return CalendarMethod.REQUEST
    if template in CANCELS:
        return CalendarMethod.CANCEL
    return None


def french_date_time(instant: datetime, zone: ZoneInfo) -> str:
    """Return an instant the French way, in a zone: "mardi 1er décembre 2026 à 14 h 30"."""
    local = instant.astimezone(zone)
    day = day_of_month(local)
    clock = f"{local.hour} h {local.minute:02d}" if local.minute else f"{local.hour} h"
    return f"{WEEKDAYS[local.weekday()]} {day} {MONTHS[local.month - 1]} {local.year} à {clock}"


def zone_note(zone: ZoneInfo) -> str:
    """Return which clock the times are on."""
    return "heure de Paris" if zone.key == DEFAULT_ZONE else "heure locale"


def choose_channels(template: Template, contact: Contact) -> tuple[ChannelKind, ...]:
    """Return where a notice goes: e-mail when known, and SMS too for people who prefer it."""
    chosen: list[ChannelKind] = []
    if contact.email:
        chosen.append(ChannelKind.EMAIL)
    prefers_phone = contact.preferred_channel in (ContactChannel.SMS, ContactChannel.PHONE)
    if contact.phone and prefers_phone and template in SMS_TEMPLATES:
        chosen.append(ChannelKind.SMS)
    return tuple(chosen)


def stale_reason(notice: Notice, facts: Facts | None, now: datetime) -> str | None:
    """Return why a notice must not be sent any more, or None when it still holds."""
    if notice.appointment_id is None and notice.session_id is None:
        # Only a freed slot can be said without an appointment or session behind it.
        return None if notice.template is Template.SLOT_FREED else "nothing_to_say"
    if facts is None:
        return "session_gone" if notice.appointment_id is None else "appointment_gone"
    if notice.template is Template.SLOT_FREED:
        # The facts are the freed appointment's: an offer for a time gone by says nothing.
        return "already_started" if now >= facts.starts_at else None
    if notice.appointment_id is not None:
        if facts.beneficiary_id != notice.beneficiary_id:
            # Never tell someone about an appointment that is not theirs.
            return "not_theirs"
        if now >= facts.ends_at:
            # After an outage, or for history recorded late: news of a meeting already over.
            return "already_over"
        if notice.template in ABOUT_BOOKED and facts.status != "booked":
            return "not_booked"
        if notice.template in REMINDERS:
            if facts.sequence != notice.sequence:
                return "sequence_moved"
            if now >= facts.starts_at:
                return "already_started"
        if notice.template is Template.CONSENT_REQUESTED and facts.proposed_modality is None:
            return "already_answered"
    if notice.session_id is not None and notice.template is not Template.SESSION_CANCELLED:
        if facts.cancelled:
            return "session_cancelled"
        if now >= facts.starts_at:
            return "already_started"
    return None


def render(template: Template, facts: Facts | None, links: Links) -> Rendered:
    """Return the French subject, text, SMS and calendar method of a notice.

    For a freed slot the facts are the freed appointment's, someone else's: only its time is
    told, never its place, its kind or a link to it.
    """
    if template is Template.SLOT_FREED:
        return _slot_freed(facts, links)
    if facts is None:
        raise ValueError(f"{template.value} needs an appointment or a session")
    zone = ZoneInfo(facts.time_zone)
    when = f"{french_date_time(facts.starts_at, zone)} ({zone_note(zone)})"
    how = MODALITY_PHRASE[facts.modality]
    if facts.collective:
        return _session(template, facts, links, when, how)
    what = KIND_LABEL[facts.kind] if facts.kind is not None else "rendez-vous"
    lead, subject, sms = _appointment_lines(template, facts, when, how, what)
    join_url = links.join_url if template in JOIN_TEMPLATES else None
    lines = [lead, *_place_lines(facts, join_url)]
    if template is Template.CANCELLED:
        lines.append("Pour reprendre rendez-vous, passez par votre espace Jalon.")
    elif links.action_url is not None:
        if template is Template.CONSENT_REQUESTED:
            lines.append(f"Pour accepter ou refuser ce changement : {links.action_url}")
        else:
            lines.append(f"Voir, déplacer ou annuler ce rendez-vous : {links.action_url}")
    if template is Template.REMINDER_2H and join_url is not None and _joins(facts):
        # Someone reached by SMS alone would otherwise have no way into the room.
        sms = f"{sms} Pour rejoindre : {join_url}"
    return Rendered(
        subject=subject,
        text=_text(lines, links),
        sms=f"Jalon : {sms} Détails : {links.space_url}",
        method=calendar_method(template),
        description=_description(facts, links),
    )


def _appointment_lines(
    template: Template, facts: Facts, when: str, how: str, what: str
) -> tuple[str, str, str]:
    """Return the lead sentence, the subject and the SMS sentence of an appointment notice."""
    match template:
        case Template.BOOKED:
            return (
                f"Votre rendez-vous ({what}) est confirmé le {when}, {how}.",
                f"Rendez-vous confirmé le {when}",
                f"rendez-vous confirmé le {when}, {how}.",
            )
        case Template.RESCHEDULED:
            return (
                f"Votre rendez-vous ({what}) a été déplacé au {when}, {how}.",
                f"Rendez-vous déplacé au {when}",
                f"rendez-vous déplacé au {when}, {how}.",
            )
        case Template.CANCELLED:
            return (
                f"Votre rendez-vous ({what}) du {when} est annulé.",
                f"Rendez-vous annulé : {when}",
                f"votre rendez-vous du {when} est annulé.",
            )
        case Template.REMINDER_48H | Template.REMINDER_2H:
            return (
                f"Rappel : votre rendez-vous ({what}) a lieu le {when}, {how}.",
                f"Rappel : rendez-vous le {when}",
                f"rappel, rendez-vous le {when}, {how}.",
            )
        case Template.CONSENT_REQUESTED:
            proposed = MODALITY_PHRASE[facts.proposed_modality or facts.modality]
            return (
                f"Votre conseiller vous propose que votre rendez-vous ({what}) du {when} se "
                f"tienne {proposed} plutôt que {how}. Rien ne change sans votre accord.",
                f"Changement proposé pour votre rendez-vous du {when}",
                f"changement proposé pour votre rendez-vous du {when} : {proposed}. "
                "Merci de répondre.",
            )
        case Template.MODALITY_CHANGED:
            return (
                f"Votre rendez-vous ({what}) du {when} aura lieu {how}.",
                f"Rendez-vous du {when} : désormais {how}",
                f"votre rendez-vous du {when} aura lieu {how}.",
            )
        case _:
            raise ValueError(f"{template.value} is not about an appointment")


def _joins(facts: Facts) -> bool:
    """Return whether the meeting takes place in a room people join from their browser."""
    return not facts.cancelled and facts.modality in ROOM_MODALITIES


def _place_lines(facts: Facts, join_url: str | None = None) -> list[str]:
    if facts.cancelled:
        return []
    if facts.modality in ROOM_MODALITIES:
        if join_url is None:
            return ["Le lien pour rejoindre l'entretien sera indiqué sur la page du rendez-vous."]
        # The link ends its line: a full stop after it would be taken into the token by some
        # mail readers, and a token with a stray character does not verify.
        if facts.modality is Modality.VIDEO:
            return [
                "Pour rejoindre l'entretien en visio (ou par téléphone depuis votre "
                f"navigateur), le jour venu : {join_url}",
                "Vous pouvez tester votre caméra et votre micro à l'avance depuis cette page.",
            ]
        return [
            "Pour rejoindre l'entretien par téléphone depuis votre navigateur, le jour venu : "
            f"{join_url}",
            "Vous pouvez tester votre micro à l'avance depuis cette page.",
        ]
    if facts.remote:
        return []
    return [f"Lieu : {facts.location}."]


def _session(template: Template, facts: Facts, links: Links, when: str, how: str) -> Rendered:
    match template:
        case Template.SESSION_REGISTERED:
            lead = f"Votre inscription à l'atelier collectif du {when}, {how}, est confirmée."
            subject = f"Inscription confirmée : atelier du {when}"
        case Template.SESSION_WAITLISTED:
            lead = (
                f"L'atelier collectif du {when} est complet : vous êtes sur la liste d'attente. "
                "Nous vous écrirons si une place se libère."
            )
            subject = f"Liste d'attente : atelier du {when}"
        case Template.SESSION_PROMOTED:
            lead = (
                f"Une place s'est libérée : votre inscription à l'atelier du {when} est confirmée."
            )
            subject = f"Place confirmée : atelier du {when}"
        case Template.SESSION_REQUALIFIED:
            lead = f"L'atelier collectif du {when} aura lieu {how}."
            subject = f"Atelier du {when} : désormais {how}"
        case Template.SESSION_CANCELLED:
            lead = f"L'atelier collectif du {when} est annulé."
            subject = f"Atelier annulé : {when}"
        case _:
            raise ValueError(f"{template.value} is not about a collective session")
    lines = [lead, *([] if template is Template.SESSION_WAITLISTED else _place_lines(facts))]
    sentence = lead[0].lower() + lead[1:]
    return Rendered(
        subject=subject,
        text=_text(lines, links),
        sms=f"Jalon : {sentence} Détails : {links.space_url}",
        method=calendar_method(template),
        description=_description(facts, links),
    )


def _slot_freed(facts: Facts | None, links: Links) -> Rendered:
    lead = "Un créneau plus tôt s'est libéré avec votre conseiller."
    if facts is not None:
        zone = ZoneInfo(facts.time_zone)
        when = f"{french_date_time(facts.starts_at, zone)} ({zone_note(zone)})"
        lead = f"Un créneau s'est libéré avec votre conseiller le {when}."
    lines = [
        lead,
        "Vous pouvez le réserver depuis votre espace Jalon : il ira à la première personne "
        "qui le prend.",
    ]
    return Rendered(
        subject="Un créneau plus tôt s'est libéré",
        text=_text(lines, links),
        sms=f"Jalon : {lead[0].lower() + lead[1:]} Détails : {links.space_url}",
        method=None,
        description="",
    )


def _text(lines: list[str], links: Links) -> str:
    body = "\n\n".join(lines)
    return f"Bonjour,\n\n{body}\n\nVotre espace Jalon : {links.space_url}\n\n{SIGN_OFF}\n"


def _description(facts: Facts, links: Links) -> str:
    what = (
        "Atelier collectif"
        if facts.collective
        else "Rendez-vous de conseil en évolution professionnelle"
    )
    return f"{what} ({MODALITY_PHRASE[facts.modality]}). Détails : {links.space_url}"

"""Notices written out: French dates, calendar methods, invitations, signed links and channels."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import jwt
import pytest
from icalendar import Calendar

from appointment.adapters.email import EmailChannel
from appointment.adapters.ics import feed, invitation
from appointment.application.dispatch_notifications import Dispatch, Outcome, dispatch_next
from appointment.application.notification_ports import ChannelError, Claimed, Outgoing
from appointment.domain.messages import (
    CalendarMethod,
    ChannelKind,
    Contact,
    Facts,
    Links,
    calendar_method,
    choose_channels,
    french_date_time,
    render,
    stale_reason,
)
from appointment.domain.notices import Notice, Template, appointment_notice
from jalon_shared.events.vocabulary import AppointmentKind, ContactChannel, Modality
from jalon_shared.links import JOIN_PURPOSE, LinkError, SignedLinks
from jalon_shared.smtp import SmtpRelay

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
#: Tuesday 1 December 2026, 14:30 in Paris (UTC+1 in winter).
START = datetime(2026, 12, 1, 13, 30, tzinfo=UTC)
SPACE = "https://jalon.example/beneficiary"
SECRET = "s" * 40
SENDER = "Jalon <no-reply@jalon.example>"
BENEFICIARY = uuid.uuid4()


def facts(**changes: Any) -> Facts:
    """Return a booked video follow-up of BENEFICIARY on 1 December 2026 at 14:30 Paris time."""
    base = Facts(
        subject_id=uuid.uuid4(),
        collective=False,
        modality=Modality.VIDEO,
        place="remote",
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        status="booked",
        sequence=0,
        kind=AppointmentKind.FOLLOW_UP,
        beneficiary_id=BENEFICIARY,
    )
    return replace(base, **changes)


def notice_for(template: Template, about: Facts, sequence: int = 0) -> Notice:
    """Return a notice about the facts' appointment for BENEFICIARY."""
    return appointment_notice(
        template,
        appointment_id=about.subject_id,
        beneficiary_id=BENEFICIARY,
        sequence=sequence,
        now=NOW,
    )


# French dates


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (START, "mardi 1er décembre 2026 à 14 h 30"),
        (datetime(2026, 12, 3, 8, 5, tzinfo=UTC), "jeudi 3 décembre 2026 à 9 h 05"),
        (datetime(2026, 12, 3, 13, 0, tzinfo=UTC), "jeudi 3 décembre 2026 à 14 h"),
        # Either side of the spring change (29 March): 14 h in Paris is 13:00 then 12:00 UTC.
        (datetime(2026, 3, 28, 13, 0, tzinfo=UTC), "samedi 28 mars 2026 à 14 h"),
        (datetime(2026, 3, 30, 12, 0, tzinfo=UTC), "lundi 30 mars 2026 à 14 h"),
        # Either side of the autumn change (25 October).
        (datetime(2026, 10, 24, 12, 0, tzinfo=UTC), "samedi 24 octobre 2026 à 14 h"),
        (datetime(2026, 10, 26, 13, 0, tzinfo=UTC), "lundi 26 octobre 2026 à 14 h"),
        # The repeated hour of the autumn change: both instants read as 2 h 30.
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "dimanche 25 octobre 2026 à 2 h 30"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "dimanche 25 octobre 2026 à 2 h 30"),
    ],
)
def test_dates_are_written_the_french_way_in_paris_time(instant: datetime, expected: str) -> None:
    assert french_date_time(instant, PARIS) == expected


def test_a_message_across_the_daylight_saving_change_keeps_the_wall_clock_time() -> None:
    before = render(
        Template.BOOKED, facts(starts_at=datetime(2026, 3, 27, 8, 0, tzinfo=UTC)), Links(SPACE)
    )
    after = render(
        Template.BOOKED, facts(starts_at=datetime(2026, 3, 31, 7, 0, tzinfo=UTC)), Links(SPACE)
    )
    assert "vendredi 27 mars 2026 à 9 h (heure de Paris)" in before.subject
    assert "mardi 31 mars 2026 à 9 h (heure de Paris)" in after.subject


def test_another_zone_is_read_in_its_own_time() -> None:
    rendered = render(Template.BOOKED, facts(time_zone="America/Cayenne"), Links(SPACE))
    # 13:30 UTC is 10:30 in French Guiana (UTC-3).
    assert "mardi 1er décembre 2026 à 10 h 30 (heure locale)" in rendered.text


# Calendar methods


@pytest.mark.parametrize("template", list(Template))
def test_each_template_carries_the_right_calendar_method(template: Template) -> None:
    expected = {
        Template.BOOKED: CalendarMethod.REQUEST,
        Template.RESCHEDULED: CalendarMethod.REQUEST,
        Template.MODALITY_CHANGED: CalendarMethod.REQUEST,
        Template.REMINDER_48H: CalendarMethod.REQUEST,
        Template.REMINDER_2H: CalendarMethod.REQUEST,
        Template.SESSION_REGISTERED: CalendarMethod.REQUEST,
        Template.SESSION_PROMOTED: CalendarMethod.REQUEST,
        Template.SESSION_REQUALIFIED: CalendarMethod.REQUEST,
        Template.CANCELLED: CalendarMethod.CANCEL,
        Template.SESSION_CANCELLED: CalendarMethod.CANCEL,
    }.get(template)
    assert calendar_method(template) is expected


# Rendering


def test_a_booking_confirmation_says_when_how_and_where_to_act_and_nothing_personal() -> None:
    about = facts()
    links = Links(SPACE, action_url="https://jalon.example/rdv/TOKEN")
    rendered = render(Template.BOOKED, about, links)
    assert (
        rendered.subject
        == "Rendez-vous confirmé le mardi 1er décembre 2026 à 14 h 30 (heure de Paris)"
    )
    assert "entretien de suivi" in rendered.text
    assert "en visio" in rendered.text
    # No join link was signed (the dispatcher signs one): the page will show it.
    assert (
        "Le lien pour rejoindre l'entretien sera indiqué sur la page du rendez-vous."
        in rendered.text
    )
    assert (
        "Voir, déplacer ou annuler ce rendez-vous : https://jalon.example/rdv/TOKEN"
        in rendered.text
    )
    assert f"Votre espace Jalon : {SPACE}" in rendered.text
    assert rendered.sms.startswith("Jalon : rendez-vous confirmé le mardi 1er décembre 2026")
    assert SPACE in rendered.sms
    assert rendered.method is CalendarMethod.REQUEST
    # Ids are not for readers; no name, email or phone is ever given to the renderer.
    for text in (rendered.subject, rendered.text, rendered.sms, rendered.description):
        assert str(BENEFICIARY) not in text
        assert str(about.subject_id) not in text
        assert "@" not in text


JOIN = "https://jalon.example/visio/JOINTOKEN"


@pytest.mark.parametrize(
    "template",
    [
        Template.BOOKED,
        Template.RESCHEDULED,
        Template.MODALITY_CHANGED,
        Template.REMINDER_48H,
        Template.REMINDER_2H,
    ],
)
def test_a_video_notice_carries_the_join_link_and_the_pre_call_check(template: Template) -> None:
    links = Links(SPACE, action_url="https://jalon.example/rdv/TOKEN", join_url=JOIN)
    rendered = render(template, facts(), links)
    assert (
        "Pour rejoindre l'entretien en visio (ou par téléphone depuis votre navigateur), "
        f"le jour venu : {JOIN}\n" in rendered.text
    )
    assert (
        "Vous pouvez tester votre caméra et votre micro à l'avance depuis cette page."
        in rendered.text
    )
    assert "sera indiqué sur la page du rendez-vous" not in rendered.text
    # The join link never goes into the calendar event, which calendars sync and share.
    assert JOIN not in rendered.description


def test_a_phone_notice_joins_from_the_browser_and_checks_the_microphone() -> None:
    rendered = render(Template.BOOKED, facts(modality=Modality.PHONE), Links(SPACE, join_url=JOIN))
    assert (
        f"Pour rejoindre l'entretien par téléphone depuis votre navigateur, le jour venu : {JOIN}"
        in rendered.text
    )
    assert "Vous pouvez tester votre micro à l'avance depuis cette page." in rendered.text
    assert "caméra" not in rendered.text


def test_only_the_last_reminder_puts_the_join_link_in_the_sms() -> None:
    links = Links(SPACE, join_url=JOIN)
    last = render(Template.REMINDER_2H, facts(), links)
    assert f"Pour rejoindre : {JOIN} Détails : {SPACE}" in last.sms
    for template in (Template.BOOKED, Template.REMINDER_48H, Template.RESCHEDULED):
        assert JOIN not in render(template, facts(), links).sms


@pytest.mark.parametrize(
    ("template", "about"),
    [
        (Template.CANCELLED, facts(status="cancelled", sequence=1)),
        (Template.CONSENT_REQUESTED, facts(proposed_modality=Modality.PHONE)),
        (
            Template.REMINDER_48H,
            facts(modality=Modality.FACE_TO_FACE, place="rennes", site_label="Rennes"),
        ),
    ],
    ids=["cancelled", "consent_requested", "face_to_face"],
)
def test_no_join_link_where_there_is_no_room_to_join(template: Template, about: Facts) -> None:
    rendered = render(template, about, Links(SPACE, join_url=JOIN))
    for text in (rendered.text, rendered.sms, rendered.description):
        assert JOIN not in text


def test_a_face_to_face_notice_names_the_site_not_a_join_link() -> None:
    rendered = render(
        Template.REMINDER_48H,
        facts(modality=Modality.FACE_TO_FACE, place="rennes", site_label="Rennes"),
        Links(SPACE),
    )
    assert "Lieu : Rennes." in rendered.text
    assert "lien pour rejoindre" not in rendered.text
    assert "Pour rejoindre" not in rendered.text
    assert rendered.subject.startswith("Rappel : rendez-vous le mardi 1er décembre")


def test_a_cancellation_cancels_the_event_and_offers_no_action_link() -> None:
    rendered = render(
        Template.CANCELLED,
        facts(status="cancelled", sequence=1),
        Links(SPACE, action_url="https://jalon.example/rdv/TOKEN"),
    )
    assert rendered.method is CalendarMethod.CANCEL
    assert "est annulé" in rendered.text
    assert "/rdv/" not in rendered.text
    assert "lien pour rejoindre" not in rendered.text


def test_a_consent_request_asks_for_an_answer_through_the_signed_link() -> None:
    rendered = render(
        Template.CONSENT_REQUESTED,
        facts(modality=Modality.FACE_TO_FACE, place="rennes", proposed_modality=Modality.PHONE),
        Links(SPACE, action_url="https://jalon.example/rdv/TOKEN"),
    )
    assert "se tienne par téléphone plutôt que sur site" in rendered.text
    assert (
        "Pour accepter ou refuser ce changement : https://jalon.example/rdv/TOKEN" in rendered.text
    )
    assert rendered.method is None


def test_a_freed_slot_tells_only_its_time_never_the_other_persons_appointment() -> None:
    freed = facts(
        beneficiary_id=uuid.uuid4(),
        modality=Modality.FACE_TO_FACE,
        place="rennes",
        site_label="Rennes",
        status="cancelled",
    )
    rendered = render(Template.SLOT_FREED, freed, Links(SPACE, action_url="https://x/rdv/T"))
    assert "le mardi 1er décembre 2026 à 14 h 30" in rendered.text
    assert "Rennes" not in rendered.text
    assert "/rdv/" not in rendered.text
    assert "suivi" not in rendered.text
    assert rendered.method is None


def test_a_session_notice_never_shows_a_typed_title() -> None:
    session = facts(collective=True, beneficiary_id=None, kind=None, status="scheduled")
    rendered = render(Template.SESSION_REGISTERED, session, Links(SPACE))
    assert "atelier collectif" in rendered.text
    assert rendered.method is CalendarMethod.REQUEST
    assert session.summary == "Atelier collectif — visio"


# Staleness


def test_a_reminder_for_an_older_sequence_is_stale() -> None:
    about = facts(sequence=1)
    assert stale_reason(notice_for(Template.REMINDER_2H, about, sequence=0), about, NOW) == (
        "sequence_moved"
    )
    assert stale_reason(notice_for(Template.REMINDER_2H, about, sequence=1), about, NOW) is None


@pytest.mark.parametrize(
    ("template", "about", "reason"),
    [
        (Template.REMINDER_48H, facts(status="cancelled"), "not_booked"),
        (Template.BOOKED, facts(status="cancelled"), "not_booked"),
        (Template.REMINDER_2H, facts(starts_at=NOW - timedelta(minutes=1)), "already_started"),
        (Template.BOOKED, facts(beneficiary_id=uuid.uuid4()), "not_theirs"),
        (Template.CONSENT_REQUESTED, facts(), "already_answered"),
        (Template.CANCELLED, facts(status="cancelled", sequence=0), None),
        (
            Template.BOOKED,
            facts(starts_at=NOW - timedelta(hours=2), ends_at=NOW - timedelta(hours=1)),
            "already_over",
        ),
        (
            Template.CANCELLED,
            facts(status="cancelled", starts_at=NOW - timedelta(hours=2), ends_at=NOW),
            "already_over",
        ),
    ],
)
def test_stale_notices_are_named(template: Template, about: Facts, reason: str | None) -> None:
    assert stale_reason(notice_for(template, about), about, NOW) == reason


def test_a_notice_whose_appointment_is_gone_is_stale() -> None:
    assert stale_reason(notice_for(Template.BOOKED, facts()), None, NOW) == "appointment_gone"


# Invitations


def parse(ics: bytes) -> tuple[Calendar, Any]:
    """Return the calendar and its one event."""
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_an_invitation_parses_with_uid_sequence_method_utc_times_and_status() -> None:
    about = facts(sequence=3)
    calendar, event = parse(
        invitation(about, CalendarMethod.REQUEST, organizer=SENDER, now=NOW, attendee="a@b.example")
    )
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == f"{about.subject_id}@jalon"
    assert event["SEQUENCE"] == 3
    assert event["STATUS"] == "CONFIRMED"
    start = event.decoded("DTSTART")
    assert start == START
    assert start.utcoffset() == timedelta(0)
    assert event.decoded("DTEND") == START + timedelta(hours=1)
    assert str(event["SUMMARY"]) == "Entretien CEP — visio"
    assert str(event["LOCATION"]) == "À distance"
    assert str(event["ORGANIZER"]) == "mailto:no-reply@jalon.example"
    assert b"DTSTART:20261201T133000Z" in invitation(
        about, CalendarMethod.REQUEST, organizer=SENDER, now=NOW
    )


def test_a_cancellation_invitation_has_method_cancel_and_status_cancelled() -> None:
    about = facts(status="cancelled", sequence=1, modality=Modality.FACE_TO_FACE, place="brest")
    calendar, event = parse(invitation(about, CalendarMethod.CANCEL, organizer=SENDER, now=NOW))
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert str(event["LOCATION"]) == "brest"


def test_a_session_invitation_is_keyed_by_the_session() -> None:
    session_id = uuid.uuid4()
    session = facts(subject_id=session_id, collective=True, beneficiary_id=None)
    _, event = parse(invitation(session, CalendarMethod.REQUEST, organizer=SENDER, now=NOW))
    assert event["UID"] == f"{session_id}@jalon"


def test_the_feed_is_a_named_calendar_without_method_or_people() -> None:
    later = START + timedelta(days=1)
    entries = [
        facts(),
        facts(status="cancelled", sequence=2, starts_at=later, ends_at=later + timedelta(hours=1)),
    ]
    ics = feed(entries, now=NOW)
    calendar = Calendar.from_ical(ics)
    assert "METHOD" not in calendar
    assert str(calendar["X-WR-CALNAME"]) == "Jalon — mes rendez-vous"
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"{e.subject_id}@jalon" for e in entries]
    assert [str(e["STATUS"]) for e in events] == ["CONFIRMED", "CANCELLED"]
    assert str(BENEFICIARY).encode() not in ics
    assert b"ATTENDEE" not in ics


# Action links


def test_a_signed_link_round_trips_its_ids() -> None:
    links = SignedLinks(SECRET, "https://jalon.example/")
    appointment_id = uuid.uuid4()
    url = links.url(appointment_id, BENEFICIARY, datetime.now(UTC) + timedelta(days=2))
    assert url.startswith("https://jalon.example/rdv/")
    assert links.verify(url.rsplit("/", 1)[1]) == (appointment_id, BENEFICIARY)


def test_a_tampered_link_is_refused() -> None:
    links = SignedLinks(SECRET, "https://jalon.example")
    token = links.token(uuid.uuid4(), BENEFICIARY, datetime.now(UTC) + timedelta(days=2))
    header, payload, signature = token.split(".")
    # Another beneficiary's id in the payload, the signature kept: refused.
    forged_claims = jwt.decode(token, options={"verify_signature": False}) | {
        "ben": str(uuid.uuid4())
    }
    forged_payload = jwt.encode(forged_claims, "x" * 40, algorithm="HS256").split(".")[1]
    for bad in (
        f"{header}.{forged_payload}.{signature}",
        f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}",
        SignedLinks("t" * 40, "https://x").token(
            uuid.uuid4(), BENEFICIARY, NOW + timedelta(days=9999)
        ),
        "not-a-token",
    ):
        with pytest.raises(LinkError) as refused:
            links.verify(bad)
        assert refused.value.reason == "malformed_or_altered"


def test_an_expired_link_is_refused() -> None:
    links = SignedLinks(SECRET, "https://jalon.example")
    token = links.token(uuid.uuid4(), BENEFICIARY, datetime.now(UTC) - timedelta(minutes=1))
    with pytest.raises(LinkError) as refused:
        links.verify(token)
    assert refused.value.reason == "expired"


def test_a_token_for_another_purpose_is_refused() -> None:
    token = jwt.encode(
        {"apt": str(uuid.uuid4()), "ben": str(BENEFICIARY), "pur": "other", "exp": 4_000_000_000},
        SECRET,
        algorithm="HS256",
    )
    with pytest.raises(LinkError) as refused:
        SignedLinks(SECRET, "https://x").verify(token)
    assert refused.value.reason == "wrong_purpose"


def test_a_short_link_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        SignedLinks("short", "https://x")


# Channels


@pytest.mark.parametrize(
    ("contact", "template", "expected"),
    [
        (Contact("a@b.example", "+33600000000", ContactChannel.EMAIL), Template.BOOKED, ["email"]),
        (
            Contact("a@b.example", "+33600000000", ContactChannel.SMS),
            Template.BOOKED,
            ["email", "sms"],
        ),
        (
            Contact("a@b.example", "+33600000000", ContactChannel.PHONE),
            Template.REMINDER_2H,
            ["email", "sms"],
        ),
        (Contact("a@b.example", None, ContactChannel.SMS), Template.BOOKED, ["email"]),
        (
            Contact("a@b.example", "+33600000000", ContactChannel.SMS),
            Template.SLOT_FREED,
            ["email"],
        ),
        (
            Contact("a@b.example", "+33600000000", ContactChannel.SMS),
            Template.SESSION_REGISTERED,
            ["email"],
        ),
        (Contact(None, "+33600000000", ContactChannel.SMS), Template.CONSENT_REQUESTED, ["sms"]),
    ],
)
def test_channels_follow_the_contact_and_the_template(
    contact: Contact, template: Template, expected: list[str]
) -> None:
    assert [kind.value for kind in choose_channels(template, contact)] == expected


def test_an_email_carries_the_text_an_invitation_and_a_stable_message_id() -> None:
    about = facts()
    notice = notice_for(Template.BOOKED, about)
    rendered = render(Template.BOOKED, about, Links(SPACE))
    channel = EmailChannel(SmtpRelay("127.0.0.1", 1, SENDER))
    mail = channel.compose(
        Outgoing(notice.key, rendered, about, NOW), Contact("lea@example.org", None)
    )
    assert mail["Message-ID"] == channel.message_id(notice.key)
    assert mail["Message-ID"] == f"<notice.{about.subject_id}.booked.0@jalon.example>"
    assert mail["To"] == "lea@example.org"
    body = mail.get_body(preferencelist=("plain",))
    assert isinstance(body, EmailMessage)
    assert "est confirmé le mardi 1er décembre 2026" in body.get_content()
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    payload = attachment.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert parse(payload)[1]["UID"] == f"{about.subject_id}@jalon"


# Dispatching with fakes: a channel that fails is tried again without repeating the others.


@dataclass
class FakeStore:
    """One claimable notice, and what the dispatcher did with it."""

    notice: Notice
    attempts: int = 0
    status: str = "pending"
    delivered: set[ChannelKind] = field(default_factory=set)
    events: list[str] = field(default_factory=list)

    async def claim(self, now: datetime, owner: str, lease: timedelta) -> Claimed | None:
        if self.status != "pending":
            return None
        self.status, self.attempts = "sending", self.attempts + 1
        return Claimed(self.notice, self.attempts, frozenset(self.delivered))

    async def mark_delivered(self, key: str, owner: str, channel: ChannelKind) -> None:
        self.delivered.add(channel)

    async def mark_sent(self, key: str, owner: str, channels: Sequence[ChannelKind]) -> bool:
        self.status = "sent"
        return True

    async def mark_dropped(self, key: str, owner: str, why: str) -> bool:
        self.status = f"dropped:{why}"
        return True

    async def retry_later(self, key: str, owner: str, at: datetime, error: str = "") -> str:
        self.status = "pending"
        self.events.append(error)
        return "pending"

    async def next_due(self) -> datetime | None:
        return None

    async def erase_beneficiary(self, beneficiary_id: UUID) -> int:
        return 0


@dataclass
class FakeChannel:
    """Records what it sends; fails while told to."""

    failing: bool = False
    sent: list[str] = field(default_factory=list)

    async def send(self, message: Outgoing, contact: Contact) -> None:
        if self.failing:
            raise ChannelError("down")
        self.sent.append(message.key)


@dataclass
class FixedFacts:
    about: Facts | None

    async def facts(self, notice: Notice) -> Facts | None:
        return self.about


@dataclass
class FixedContacts:
    found: Contact | None

    async def contact(self, beneficiary_id: UUID) -> Contact | None:
        return self.found


async def test_a_failed_channel_is_retried_without_repeating_the_delivered_one() -> None:
    about = facts(starts_at=NOW + timedelta(days=3), ends_at=NOW + timedelta(days=3, hours=1))
    store = FakeStore(notice_for(Template.BOOKED, about))
    email, sms = FakeChannel(), FakeChannel(failing=True)
    deps = Dispatch(
        store=store,
        facts=FixedFacts(about),
        contacts=FixedContacts(Contact("a@b.example", "+33600000000", ContactChannel.SMS)),
        channels={ChannelKind.EMAIL: email, ChannelKind.SMS: sms},
        links=SignedLinks(SECRET, "https://jalon.example"),
        space_url=SPACE,
        clock=lambda: NOW,
        owner="test",
    )
    assert await dispatch_next(deps) is Outcome.RETRY
    assert store.events == ["sms_failed"]
    sms.failing = False
    assert await dispatch_next(deps) is Outcome.SENT
    assert email.sent == [store.notice.key]
    assert sms.sent == [store.notice.key]
    assert store.status == "sent"
    assert await dispatch_next(deps) is None


async def test_an_erased_beneficiary_gets_nothing() -> None:
    about = facts(starts_at=NOW + timedelta(days=3), ends_at=NOW + timedelta(days=3, hours=1))
    store = FakeStore(notice_for(Template.BOOKED, about))
    email = FakeChannel()
    deps = Dispatch(
        store=store,
        facts=FixedFacts(about),
        contacts=FixedContacts(None),
        channels={ChannelKind.EMAIL: email},
        links=SignedLinks(SECRET, "https://jalon.example"),
        space_url=SPACE,
        clock=lambda: NOW,
        owner="test",
    )
    assert await dispatch_next(deps) is Outcome.DROPPED
    assert store.status == "dropped:erased"
    assert email.sent == []


@dataclass
class RecordingChannel:
    """Keeps every message it is given."""

    sent: list[Outgoing] = field(default_factory=list)

    async def send(self, message: Outgoing, contact: Contact) -> None:
        self.sent.append(message)


LINK = re.compile(r"https://jalon\.example/(rdv|visio)/([A-Za-z0-9_.-]+)")


def soon(**changes: Any) -> Facts:
    """Return facts of an appointment starting in 90 minutes of the real clock, an hour long."""
    starts_at = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=90)
    return facts(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), **changes)


async def dispatched(template: Template, about: Facts, channel: str = "email") -> Outgoing:
    """Send one notice about the facts through the dispatcher now; return the message."""
    # Real time: the links are verified against the real clock.
    now = datetime.now(UTC)
    store = FakeStore(notice_for(template, about))
    recorder = RecordingChannel()
    kind = ChannelKind.EMAIL if channel == "email" else ChannelKind.SMS
    contact = (
        Contact("a@b.example", None)
        if channel == "email"
        else Contact(None, "+33600000000", ContactChannel.SMS)
    )
    deps = Dispatch(
        store=store,
        facts=FixedFacts(about),
        contacts=FixedContacts(contact),
        channels={kind: recorder},
        links=SignedLinks(SECRET, "https://jalon.example"),
        space_url=SPACE,
        clock=lambda: now,
        owner="test",
    )
    assert await dispatch_next(deps) is Outcome.SENT
    (message,) = recorder.sent
    return message


def links_in(text: str) -> dict[str, str]:
    """Return the tokens of the /rdv/ and /visio/ links in a text, by kind."""
    return {kind: token for kind, token in LINK.findall(text)}


@pytest.mark.parametrize(
    "template",
    [Template.BOOKED, Template.RESCHEDULED, Template.REMINDER_48H, Template.REMINDER_2H],
)
@pytest.mark.parametrize("modality", [Modality.VIDEO, Modality.PHONE])
async def test_a_remote_appointments_messages_carry_a_join_link_valid_until_the_room_closes(
    template: Template, modality: Modality
) -> None:
    about = soon(modality=modality)
    message = await dispatched(template, about)
    tokens = links_in(message.rendered.text)
    links = SignedLinks(SECRET, "https://jalon.example")
    assert links.verify(tokens["visio"], JOIN_PURPOSE) == (about.subject_id, BENEFICIARY)
    # Each link does one thing: the join link opens no appointment page, and the other way.
    with pytest.raises(LinkError):
        links.verify(tokens["visio"])
    with pytest.raises(LinkError):
        links.verify(tokens["rdv"], JOIN_PURPOSE)
    claims = jwt.decode(tokens["visio"], options={"verify_signature": False})
    assert claims["exp"] == int((about.ends_at + timedelta(minutes=60)).timestamp())


async def test_the_last_reminder_by_sms_carries_a_join_link_that_verifies() -> None:
    about = soon()
    message = await dispatched(Template.REMINDER_2H, about, channel="sms")
    token = links_in(message.rendered.sms)["visio"]
    links = SignedLinks(SECRET, "https://jalon.example")
    assert links.verify(token, JOIN_PURPOSE) == (about.subject_id, BENEFICIARY)


@pytest.mark.parametrize(
    "template",
    [Template.BOOKED, Template.RESCHEDULED, Template.REMINDER_48H, Template.REMINDER_2H],
)
async def test_a_face_to_face_appointments_messages_have_no_join_link(template: Template) -> None:
    about = soon(modality=Modality.FACE_TO_FACE, place="rennes", site_label="Rennes")
    message = await dispatched(template, about)
    for text in (message.rendered.text, message.rendered.sms, message.rendered.description):
        assert "/visio/" not in text
    assert "rdv" in links_in(message.rendered.text)

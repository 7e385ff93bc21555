"""iCalendar (RFC 5545/5546) invitations for beneficiaries and the counsellors' calendar feed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parseaddr

from icalendar import Calendar, Event, vCalAddress
from icalendar.enums import STATUS

from appointment.domain.messages import CalendarMethod, Facts

PRODID = "-//Jalon//Rendez-vous CEP//FR"
FEED_NAME = "Jalon — mes rendez-vous"


def event_uid(facts: Facts) -> str:
    """Return the event's UID: one per appointment or session, kept across every change."""
    return f"{facts.subject_id}@jalon"


def _address(mailbox: str, name: str | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{mailbox}")
    if name:
        address.params["CN"] = name
    return address


def _event(facts: Facts, now: datetime, description: str | None) -> Event:
    event = Event.new(
        uid=event_uid(facts),
        sequence=facts.sequence,
        stamp=now.astimezone(UTC),
        start=facts.starts_at.astimezone(UTC),
        end=facts.ends_at.astimezone(UTC),
        summary=facts.summary,
        location=facts.location,
        status=STATUS.CANCELLED if facts.cancelled else STATUS.CONFIRMED,
        description=description or None,
    )
    return event


def invitation(
    facts: Facts,
    method: CalendarMethod,
    *,
    organizer: str,
    now: datetime,
    attendee: str | None = None,
    description: str | None = None,
) -> bytes:
    """Return a one-event VCALENDAR with its method, for an e-mail's text/calendar part.

    `organizer` is the sender (`Name <address>`); `attendee` the recipient's address, which
    iTIP requires on a REQUEST so calendar clients offer to add it.
    """
    calendar = Calendar.new(prodid=PRODID, method=method.value)
    event = _event(facts, now, description)
    name, address = parseaddr(organizer)
    event.add("organizer", _address(address or organizer, name or "Jalon"))
    if attendee:
        guest = _address(attendee)
        # No reply is expected: the organizer address takes no mail.
        guest.params["RSVP"] = "FALSE"
        guest.params["ROLE"] = "REQ-PARTICIPANT"
        event.add("attendee", guest)
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def feed(entries: Iterable[Facts], *, now: datetime) -> bytes:
    """Return a counsellor's subscription feed: times, modality and place, never a person."""
    calendar = Calendar.new(prodid=PRODID, name=FEED_NAME)
    for facts in entries:
        calendar.add_component(_event(facts, now, None))
    return bytes(calendar.to_ical())

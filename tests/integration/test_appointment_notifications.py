"""Notices on the real embedded MongoDB, through the dev mailbox and the dev SMS provider.

Appointments and notification records are written straight into a fresh database, as the use
cases' transactions would; contacts come from a fake lookup (intake's route is tested apart).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from icalendar import Calendar
from pydantic import SecretStr

from appointment.adapters.dispatcher import NotificationDispatcher
from appointment.adapters.email import EmailChannel
from appointment.adapters.mongo import appointment_to_doc, notice_to_doc
from appointment.adapters.notifications import MongoFactsLoader, MongoNotificationStore
from appointment.adapters.sms import HttpSmsChannel
from appointment.application.dispatch_notifications import Dispatch
from appointment.application.notification_ports import Channel
from appointment.domain.booking import Appointment, Status
from appointment.domain.messages import ChannelKind, Contact
from appointment.domain.notices import Notice, Template, appointment_notice, reminders
from appointment.entrypoints.notifications import NotificationSettings, build_notifications
from jalon_dev.mailbox import DevMailbox
from jalon_dev.sms import DevSms
from jalon_dev.stack import EmbeddedMongo, free_port
from jalon_shared.access import Role
from jalon_shared.events.envelope import utc_now
from jalon_shared.events.vocabulary import AppointmentKind, ContactChannel, Modality
from jalon_shared.http import install_common
from jalon_shared.links import SignedLinks
from jalon_shared.mongo import Client, Database
from jalon_shared.runtime import Infrastructure, verifier_from
from jalon_shared.smtp import SmtpRelay
from tests.support import Keys, eventually, service_settings

SENDER = "Jalon <rdv@jalon.example>"
SECRET = "integration-link-secret-" + "x" * 20


@dataclass
class FakeContacts:
    """Intake's contact route, faked: beneficiaries known by id."""

    known: dict[UUID, Contact] = field(default_factory=dict)

    async def contact(self, beneficiary_id: UUID) -> Contact | None:
        return self.known.get(beneficiary_id)


@dataclass
class Stage:
    """A fresh database, the sinks, the contacts, and a way to build dispatchers on them."""

    db: Database
    mailbox: DevMailbox
    sms: DevSms
    contacts: FakeContacts
    http: httpx.AsyncClient
    smtp_port: int

    def dispatcher(
        self, owner: str, *, smtp_port: int | None = None, poll_interval: float = 0.05
    ) -> NotificationDispatcher:
        """Return a dispatcher on this database (each one is a replica, or a restart)."""
        channels: dict[ChannelKind, Channel] = {
            ChannelKind.EMAIL: EmailChannel(
                SmtpRelay("127.0.0.1", smtp_port or self.smtp_port, SENDER, timeout=5)
            ),
            ChannelKind.SMS: HttpSmsChannel(self.http, self.sms.send_url, self.sms.api_key),
        }
        dispatch = Dispatch(
            store=MongoNotificationStore(self.db, clock=utc_now),
            facts=MongoFactsLoader(self.db),
            contacts=self.contacts,
            channels=channels,
            links=SignedLinks(SECRET, "http://web.test"),
            space_url="http://web.test/beneficiary",
            clock=utc_now,
            owner=owner,
        )
        return NotificationDispatcher(dispatch, poll_interval=poll_interval)

    def person(self, channel: ContactChannel = ContactChannel.EMAIL) -> tuple[UUID, Contact]:
        """Register a beneficiary with a unique email (and phone) in the fake intake."""
        beneficiary_id = uuid.uuid4()
        tag = uuid.uuid4().hex[:10]
        contact = Contact(f"notice.{tag}@example.org", f"+3360{tag[:7]}", channel)
        self.contacts.known[beneficiary_id] = contact
        return beneficiary_id, contact

    async def save(self, appointment: Appointment) -> None:
        """Store the appointment as the service does."""
        doc = appointment_to_doc(appointment)
        await self.db["appointments"].replace_one({"_id": doc["_id"]}, doc, upsert=True)

    async def queue(self, *notices: Notice) -> None:
        """Queue notices as a use case's transaction does."""
        for notice in notices:
            await self.db["notifications"].update_one(
                {"_id": notice.key},
                {"$setOnInsert": notice_to_doc(notice, utc_now())},
                upsert=True,
            )

    async def record(self, key: str) -> dict[str, Any]:
        """Return a notification record as stored."""
        doc = await self.db["notifications"].find_one({"_id": key})
        assert doc is not None
        return doc

    async def mails_to(self, email: str) -> list[dict[str, Any]]:
        """Return the messages the mailbox received for an address, oldest first."""
        response = await self.http.get(f"{self.mailbox.url}/messages")
        return [m for m in reversed(response.json()) if email in m["recipients"]]

    async def sms_to(self, phone: str) -> list[dict[str, Any]]:
        """Return the SMS the fake provider received for a number, oldest first."""
        response = await self.http.get(f"{self.sms.url}/messages")
        return [m for m in reversed(response.json()) if m["to"] == phone]


@pytest.fixture
async def stage(
    mongo_client: Client, dev_mailbox: DevMailbox, dev_sms: DevSms
) -> AsyncIterator[Stage]:
    """Return a stage on a database of its own."""
    db = mongo_client[f"t_notices_{uuid.uuid4().hex[:8]}"]
    async with httpx.AsyncClient(timeout=5) as http:
        stage = Stage(db, dev_mailbox, dev_sms, FakeContacts(), http, dev_mailbox.smtp_port)
        await MongoNotificationStore(db, clock=utc_now).ensure_indexes()
        yield stage
    await mongo_client.drop_database(db.name)


def booked(
    beneficiary_id: UUID, *, starts_in: timedelta = timedelta(days=1), **changes: Any
) -> Appointment:
    """Return a booked video follow-up of the beneficiary, starting in a day."""
    starts_at = (utc_now() + starts_in).replace(second=0, microsecond=0)
    appointment = Appointment(
        appointment_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        beneficiary_id=beneficiary_id,
        counsellor_id="c-notices",
        kind=AppointmentKind.FOLLOW_UP,
        modality=Modality.VIDEO,
        place="remote",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        region="bretagne",
        site="rennes",
    )
    return replace(appointment, **changes)


def notice(template: Template, appointment: Appointment) -> Notice:
    """Return the notice of a change to the appointment, due now."""
    return appointment_notice(
        template,
        appointment_id=appointment.appointment_id,
        beneficiary_id=appointment.beneficiary_id,
        sequence=appointment.sequence,
        now=utc_now(),
    )


def invitation_of(mail: dict[str, Any]) -> tuple[Calendar, Any]:
    """Return the invite.ics of a received message, parsed, and its event."""
    (attachment,) = [a for a in mail["attachments"] if a["filename"] == "invite.ics"]
    assert attachment["content_type"].startswith("text/calendar")
    calendar = Calendar.from_ical(attachment["content"])
    (event,) = calendar.walk("VEVENT")
    return calendar, event


async def test_confirmation_reschedule_and_cancel_update_one_calendar_event(stage: Stage) -> None:
    person, contact = stage.person()
    appointment = booked(person)
    await stage.save(appointment)
    await stage.queue(notice(Template.BOOKED, appointment))
    dispatcher = stage.dispatcher("solo")

    assert await dispatcher.drain() == 1
    (confirmation,) = await stage.mails_to(contact.email or "")
    assert confirmation["subject"].startswith("Rendez-vous confirmé le ")
    assert "http://web.test/rdv/" in confirmation["body"]
    assert "http://web.test/beneficiary" in confirmation["body"]
    calendar, event = invitation_of(confirmation)
    uid = f"{appointment.appointment_id}@jalon"
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == uid
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == appointment.starts_at
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)

    moved = replace(
        appointment,
        starts_at=appointment.starts_at + timedelta(hours=2),
        ends_at=appointment.ends_at + timedelta(hours=2),
        sequence=1,
    )
    await stage.save(moved)
    await stage.queue(notice(Template.RESCHEDULED, moved))
    assert await dispatcher.drain() == 1
    _, rescheduled = await stage.mails_to(contact.email or "")
    assert rescheduled["subject"].startswith("Rendez-vous déplacé au ")
    _, event = invitation_of(rescheduled)
    assert event["UID"] == uid
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == moved.starts_at

    cancelled = replace(moved, status=Status.CANCELLED, sequence=2)
    await stage.save(cancelled)
    await stage.queue(notice(Template.CANCELLED, cancelled))
    assert await dispatcher.drain() == 1
    *_, cancellation = await stage.mails_to(contact.email or "")
    calendar, event = invitation_of(cancellation)
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["UID"] == uid
    assert event["SEQUENCE"] == 2
    sent = await stage.record(notice(Template.CANCELLED, cancelled).key)
    assert sent["status"] == "sent"
    assert sent["channels"] == ["email"]
    assert len({m["message_id"] for m in await stage.mails_to(contact.email or "")}) == 3


async def test_due_reminders_go_once_with_two_dispatchers_and_after_a_restart(
    stage: Stage,
) -> None:
    people: list[Contact] = []
    for _ in range(6):
        person, contact = stage.person()
        appointment = booked(person, starts_in=timedelta(hours=30))
        await stage.save(appointment)
        # The 48-hour reminder of an appointment 30 hours away is already due.
        due = reminders(
            appointment_id=appointment.appointment_id,
            beneficiary_id=person,
            sequence=0,
            starts_at=appointment.starts_at,
            now=appointment.starts_at - timedelta(days=3),
        )
        assert [n.template for n in due] == [Template.REMINDER_48H, Template.REMINDER_2H]
        await stage.queue(*due)
        people.append(contact)

    first, second = stage.dispatcher("replica-a"), stage.dispatcher("replica-b")
    tasks = [asyncio.create_task(first.run()), asyncio.create_task(second.run())]

    async def all_sent() -> bool:
        return await stage.db["notifications"].count_documents({"status": "sent"}) == 6

    try:
        await eventually(all_sent, timeout=15)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for contact in people:
        (mail,) = await stage.mails_to(contact.email or "")
        assert mail["subject"].startswith("Rappel : rendez-vous le ")
    # Both replicas took part, and each record has exactly one owner.
    owners = await stage.db["notifications"].distinct("owner", {"status": "sent"})
    assert set(owners) <= {"replica-a", "replica-b"}
    # The 2-hour reminders are not due yet: still pending, not claimed.
    assert await stage.db["notifications"].count_documents({"status": "pending"}) == 6

    # A replica died mid-send: its record stays in `sending` until its lease runs out.
    person, contact = stage.person()
    crashed = booked(person, starts_in=timedelta(hours=30))
    await stage.save(crashed)
    (left,) = [
        n
        for n in reminders(
            appointment_id=crashed.appointment_id,
            beneficiary_id=person,
            sequence=0,
            starts_at=crashed.starts_at,
            now=crashed.starts_at - timedelta(days=3),
        )
        if n.template is Template.REMINDER_48H
    ]
    await stage.queue(left)
    await stage.db["notifications"].update_one(
        {"_id": left.key},
        {
            "$set": {
                "status": "sending",
                "owner": "replica-dead",
                "lease_until": utc_now() - timedelta(seconds=1),
                "attempts": 1,
            }
        },
    )
    # And one whose owner still holds a valid lease: not taken over.
    person_busy, contact_busy = stage.person()
    busy = booked(person_busy, starts_in=timedelta(hours=30))
    await stage.save(busy)
    busy_notice = notice(Template.BOOKED, busy)
    await stage.queue(busy_notice)
    await stage.db["notifications"].update_one(
        {"_id": busy_notice.key},
        {
            "$set": {
                "status": "sending",
                "owner": "replica-alive",
                "lease_until": utc_now() + timedelta(minutes=5),
                "attempts": 1,
            }
        },
    )

    restarted = stage.dispatcher("replica-a-restarted")
    assert await restarted.drain() == 1
    (mail,) = await stage.mails_to(contact.email or "")
    assert mail["subject"].startswith("Rappel : ")
    resumed = await stage.record(left.key)
    assert resumed["status"] == "sent"
    assert resumed["owner"] == "replica-a-restarted"
    assert resumed["attempts"] == 2
    assert await stage.mails_to(contact_busy.email or "") == []
    assert (await stage.record(busy_notice.key))["owner"] == "replica-alive"
    # Nothing sent before the restart goes again.
    for earlier in people:
        assert len(await stage.mails_to(earlier.email or "")) == 1
    assert await restarted.drain() == 0


async def test_an_idle_dispatcher_wakes_on_commit_and_on_the_next_due_time(stage: Stage) -> None:
    # Polling every minute: only a wake-up or the next due time can make it send sooner.
    dispatcher = stage.dispatcher("sleepy", poll_interval=60)
    person, contact = stage.person()
    appointment = booked(person)
    await stage.save(appointment)
    soon = replace(notice(Template.BOOKED, appointment), due_at=utc_now() + timedelta(seconds=1))
    await stage.queue(soon)
    task = asyncio.create_task(dispatcher.run())
    try:
        # Due in a second: the dispatcher sleeps until then, not for its poll interval.
        await eventually(lambda: stage.mails_to(contact.email or ""), timeout=5)
        other, other_contact = stage.person()
        later = booked(other)
        await stage.save(later)
        await stage.queue(notice(Template.BOOKED, later))
        dispatcher.wake()
        await eventually(lambda: stage.mails_to(other_contact.email or ""), timeout=3)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()


async def test_the_two_dispatchers_never_both_claim_a_record(stage: Stage) -> None:
    store_a = MongoNotificationStore(stage.db, clock=utc_now)
    store_b = MongoNotificationStore(stage.db, clock=utc_now)
    person, _ = stage.person()
    keys = []
    for _ in range(10):
        appointment = booked(person)
        item = notice(Template.BOOKED, appointment)
        keys.append(item.key)
        await stage.queue(item)

    async def claim_all(store: MongoNotificationStore, owner: str) -> list[str]:
        taken = []
        while (claimed := await store.claim(utc_now(), owner, timedelta(minutes=1))) is not None:
            taken.append(claimed.notice.key)
        return taken

    a, b = await asyncio.gather(claim_all(store_a, "a"), claim_all(store_b, "b"))
    assert sorted(a + b) == sorted(keys)
    assert not set(a) & set(b)


async def test_a_stale_reminder_is_dropped_and_never_sent(stage: Stage) -> None:
    person, contact = stage.person()
    appointment = booked(person, starts_in=timedelta(hours=30))
    (old_reminder, _) = reminders(
        appointment_id=appointment.appointment_id,
        beneficiary_id=person,
        sequence=0,
        starts_at=appointment.starts_at,
        now=appointment.starts_at - timedelta(days=3),
    )
    # Moved since the reminder was queued: the appointment is at sequence 1 now.
    await stage.save(replace(appointment, sequence=1))
    await stage.queue(old_reminder)

    assert await stage.dispatcher("solo").drain() == 1
    dropped = await stage.record(old_reminder.key)
    assert dropped["status"] == "dropped"
    assert dropped["reason"] == "sequence_moved"
    assert await stage.mails_to(contact.email or "") == []


async def test_a_beneficiary_preferring_sms_gets_an_sms_too(stage: Stage) -> None:
    person, contact = stage.person(ContactChannel.SMS)
    appointment = booked(person)
    await stage.save(appointment)
    await stage.queue(notice(Template.BOOKED, appointment))

    assert await stage.dispatcher("solo").drain() == 1
    (sms,) = await stage.sms_to(contact.phone or "")
    assert sms["text"].startswith("Jalon : rendez-vous confirmé le ")
    assert "http://web.test/beneficiary" in sms["text"]
    assert len(await stage.mails_to(contact.email or "")) == 1
    sent = await stage.record(notice(Template.BOOKED, appointment).key)
    assert sorted(sent["channels"]) == ["email", "sms"]


async def test_a_failing_smtp_server_leaves_the_notice_pending_with_its_attempt_counted(
    stage: Stage,
) -> None:
    person, contact = stage.person()
    appointment = booked(person)
    await stage.save(appointment)
    item = notice(Template.BOOKED, appointment)
    await stage.queue(item)
    before = utc_now()

    # Nothing listens on this port: the connection is refused.
    assert await stage.dispatcher("solo", smtp_port=free_port()).drain() == 1
    waiting = await stage.record(item.key)
    assert waiting["status"] == "pending"
    assert waiting["attempts"] == 1
    assert waiting["last_error"] == "email_failed"
    assert waiting["due_at"] > before + timedelta(seconds=30)
    assert "sent_at" not in waiting
    assert "channels" not in waiting
    assert await stage.mails_to(contact.email or "") == []


async def test_an_erased_beneficiary_is_dropped_and_their_records_erased(stage: Stage) -> None:
    person, contact = stage.person()
    appointment = booked(person)
    await stage.save(appointment)
    await stage.queue(notice(Template.BOOKED, appointment))
    del stage.contacts.known[person]

    assert await stage.dispatcher("solo").drain() == 1
    assert (await stage.record(notice(Template.BOOKED, appointment).key))["reason"] == "erased"
    assert await stage.mails_to(contact.email or "") == []
    erased = await MongoNotificationStore(stage.db, clock=utc_now).erase_beneficiary(person)
    assert erased == 1


# The calendar feed, through the routes build_notifications wires.


@dataclass
class FeedApp:
    """The feed routes in an app with the real bearer middleware, on a fresh database."""

    http: httpx.AsyncClient
    stage: Stage


@pytest.fixture
async def feed_app(stage: Stage, keys: Keys, mongo: EmbeddedMongo) -> AsyncIterator[FeedApp]:
    """Wire build_notifications on the stage's database and serve its router."""
    # Kafka is never started here: the feed needs only the database.
    settings = service_settings(
        "appointment", kafka="127.0.0.1:1", mongo_uri=mongo.uri, keys=keys, database=stage.db.name
    )
    infra = Infrastructure.build(settings)
    wiring = build_notifications(
        infra,
        NotificationSettings(link_secret=SecretStr(SECRET), public_url="https://rdv.jalon.example"),
        stage.http,
        utc_now,
    )
    for hook in wiring.on_startup:
        await hook()
    app = FastAPI()
    app.state.token_verifier = verifier_from(settings)
    install_common(app, json_api=True)
    app.include_router(wiring.router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield FeedApp(http, stage)
    await infra.client.close()


async def test_a_counsellor_feed_lists_their_appointments_until_revoked(
    feed_app: FeedApp, keys: Keys
) -> None:
    stage, http = feed_app.stage, feed_app.http
    counsellor = keys.headers("c-feed", Role.COUNSELLOR, region="bretagne", site="rennes")
    person, _ = stage.person()
    mine = booked(person, counsellor_id="c-feed")
    gone = booked(person, counsellor_id="c-feed", status=Status.CANCELLED, sequence=1)
    theirs = booked(person, counsellor_id="c-other")
    too_old = booked(person, counsellor_id="c-feed", starts_in=timedelta(days=-40))
    for appointment in (mine, gone, theirs, too_old):
        await stage.save(appointment)

    assert (await http.get("/me/calendar-feed", headers=counsellor)).json() == {
        "active": False,
        "created_at": None,
    }
    created = await http.post("/me/calendar-feed", headers=counsellor)
    assert created.status_code == 201, created.text
    url = created.json()["url"]
    assert url.startswith("https://rdv.jalon.example/calendar/")
    assert url.endswith(".ics")
    path = url.removeprefix("https://rdv.jalon.example")
    assert (await http.get("/me/calendar-feed", headers=counsellor)).json()["active"] is True

    # No bearer: the calendar app has only the URL.
    served = await http.get(path)
    assert served.status_code == 200, served.text
    assert served.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(served.content)
    assert "METHOD" not in calendar
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"{mine.appointment_id}@jalon", f"{gone.appointment_id}@jalon"}
    assert events[f"{gone.appointment_id}@jalon"]["STATUS"] == "CANCELLED"
    assert str(person).encode() not in served.content
    assert str(mine.case_id).encode() not in served.content

    # A new address stops the old one.
    renewed = (await http.post("/me/calendar-feed", headers=counsellor)).json()["url"]
    assert (await http.get(path)).status_code == 404
    renewed_path = renewed.removeprefix("https://rdv.jalon.example")
    assert (await http.get(renewed_path)).status_code == 200

    assert (await http.delete("/me/calendar-feed", headers=counsellor)).status_code == 204
    assert (await http.get(renewed_path)).status_code == 404
    assert (await http.get("/me/calendar-feed", headers=counsellor)).json()["active"] is False
    assert (await http.get("/calendar/" + "A" * 43 + ".ics")).status_code == 404


async def test_only_a_counsellor_has_a_calendar_feed(feed_app: FeedApp, keys: Keys) -> None:
    http = feed_app.http
    for headers in (
        keys.headers(str(uuid.uuid4()), Role.BENEFICIARY),
        keys.headers("m-1", Role.MANAGER, region="bretagne"),
    ):
        assert (await http.post("/me/calendar-feed", headers=headers)).status_code == 403
        assert (await http.delete("/me/calendar-feed", headers=headers)).status_code == 403
    assert (await http.post("/me/calendar-feed")).status_code == 401

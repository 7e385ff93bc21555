"""Threads and tasks on the embedded stack: messages with files, read receipts, the e-mail
notice, the unanswered list, tasks with their events on Kafka, and erasure.

Intake runs for real (cases, the directory copy, contacts), the notice goes through the dev
mailbox, and events are read back from Tansu.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from jalon_dev.mailbox import DevMailbox, Mail
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo
from jalon_shared.access import Role
from jalon_shared.events import topics
from jalon_shared.events.envelope import utc_now
from jalon_shared.mongo import Client, Database
from remote_session.entrypoints.main import RemoteSessionSettings, ThreadsSettings
from remote_session.entrypoints.main import build_app as build_remote_session
from tests.integration.conftest import RunningService
from tests.integration.test_delivery_faults import read_topic
from tests.integration.test_intake_caseload import add_counsellor
from tests.support import Keys, eventually, intake_payload, register_region, running
from tests.support import service_settings as settings_for

PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + bytes(range(256)) + b"%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120
SECRET_TEXT = "Votre dossier CPF est validé, rendez-vous jeudi"


@pytest.fixture(scope="module")
async def remote(
    kafka: EmbeddedKafka,
    mongo: EmbeddedMongo,
    keys: Keys,
    mongo_client: Client,
    intake: RunningService,
    dev_mailbox: DevMailbox,
) -> AsyncIterator[RunningService]:
    """Run remote session with the dev mailbox and the session's intake."""
    plain = settings_for(
        "remote_session-threads", kafka=kafka.bootstrap, mongo_uri=mongo.uri, keys=keys
    )
    settings = RemoteSessionSettings(
        **plain.model_dump(),
        threads=ThreadsSettings(
            smtp_port=dev_mailbox.smtp_port,
            intake_url="http://test",
            web_url="https://jalon.test",
        ),
    )
    async with running(build_remote_session(settings, http=intake.http)) as http:
        yield RunningService(http, settings, mongo_client[settings.database_name()])


@dataclass
class Person:
    """A beneficiary with a case opened through intake."""

    beneficiary_id: str
    case_id: str
    email: str
    headers: dict[str, str]


@dataclass
class World:
    """A region, its counsellor, and the services on the embedded stack."""

    remote: RunningService
    intake: RunningService
    keys: Keys
    mailbox: DevMailbox
    region: str
    counsellor: str

    @property
    def http(self) -> httpx.AsyncClient:
        """Return the remote session client."""
        return self.remote.http

    @property
    def db(self) -> Database:
        """Return remote session's database."""
        return self.remote.db

    def as_counsellor(self, counsellor: str | None = None) -> dict[str, str]:
        """Return a counsellor's headers (the case's by default)."""
        return self.keys.headers(
            counsellor or self.counsellor, Role.COUNSELLOR, region=self.region, site="rennes"
        )

    def as_manager(self) -> dict[str, str]:
        """Return the region's manager's headers."""
        return self.keys.headers("m-1", Role.MANAGER, region=self.region)

    async def person(self, first_name: str = "Léa") -> Person:
        """Open a case through intake and wait until remote session copied it."""
        beneficiary_id = str(uuid.uuid4())
        email = f"lea.{uuid.uuid4().hex[:10]}@example.org"
        headers = self.keys.headers(beneficiary_id, Role.BENEFICIARY)
        submitted = await self.intake.http.post(
            "/requests",
            json=intake_payload(
                first_name=first_name, last_name="Petit", email=email, region=self.region
            ),
            headers=headers,
        )
        assert submitted.status_code == 201, submitted.text
        case_id = submitted.json()["case_id"]

        async def copied() -> bool:
            case = await self.db["directory_cases"].find_one({"_id": uuid.UUID(case_id)})
            return case is not None and case["counsellor_id"] == self.counsellor

        await eventually(copied)
        return Person(beneficiary_id, case_id, email, headers)

    async def post(
        self,
        person: Person,
        headers: dict[str, str],
        text: str,
        files: list[tuple[str, bytes]] | None = None,
    ) -> httpx.Response:
        """Post a message to the person's thread as multipart, text and files alike."""
        parts: list[tuple[str, Any]] = [("text", (None, text.encode()))]
        parts += [("files", (name, content, "application/pdf")) for name, content in files or []]
        return await self.http.post(
            f"/cases/{person.case_id}/thread/messages", files=parts, headers=headers
        )

    def mails_to(self, email: str) -> list[Mail]:
        """Return the messages the dev mailbox received for an address, newest first."""
        return [m for m in self.mailbox.inbox.newest_first() if email in m.recipients]


@pytest.fixture(scope="module")
async def world(
    remote: RunningService, intake: RunningService, keys: Keys, dev_mailbox: DevMailbox
) -> World:
    """Return a region with one counsellor, who is given every case opened in it."""
    region = f"r{uuid.uuid4().hex[:8]}"
    await register_region(intake.http, keys, region)
    counsellor = f"c-{region}"
    await add_counsellor(intake, keys, region, counsellor, "rennes", 50)
    return World(remote, intake, keys, dev_mailbox, region, counsellor)


async def thread_of(world: World, person: Person, headers: dict[str, str]) -> dict[str, Any]:
    """Return the person's thread as the caller sees it."""
    answer = await world.http.get(f"/cases/{person.case_id}/thread", headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_a_message_with_a_file_reaches_the_counsellor_who_answers_by_e_mail_notice(
    world: World,
) -> None:
    lea = await world.person()
    posted = await world.post(lea, lea.headers, "Voici mon CV", [("cv.pdf", PDF_BYTES)])
    assert posted.status_code == 201, posted.text
    message = posted.json()
    assert message["author_role"] == "beneficiary"
    (attached,) = message["attachments"]
    assert (attached["filename"], attached["media_type"], attached["size"]) == (
        "cv.pdf",
        "application/pdf",
        len(PDF_BYTES),
    )
    # The counsellor sees it, byte for byte, and opening the thread marks it read.
    seen = await thread_of(world, lea, world.as_counsellor())
    assert seen["unread"] == 1
    assert [m["text"] for m in seen["messages"]] == ["Voici mon CV"]
    assert seen["messages"][0]["read_at"] is not None
    download = await world.http.get(
        f"/attachments/{attached['attachment_id']}", headers=world.as_counsellor()
    )
    assert download.status_code == 200
    assert download.content == PDF_BYTES
    assert download.headers["content-type"] == "application/pdf"
    mine = await world.http.get(f"/attachments/{attached['attachment_id']}", headers=lea.headers)
    assert mine.content == PDF_BYTES
    # Reading again: nothing is unread any more, and the first reading time stays.
    again = await thread_of(world, lea, world.as_counsellor())
    assert again["unread"] == 0
    assert again["messages"][0]["read_at"] == seen["messages"][0]["read_at"]
    # The beneficiary's own message is not unread for them; its read receipt shows.
    own = await thread_of(world, lea, lea.headers)
    assert own["unread"] == 0
    assert own["messages"][0]["read_at"] is not None
    # The counsellor answers (JSON body): the beneficiary gets a notice without the text.
    assert world.mails_to(lea.email) == []
    reply = await world.http.post(
        f"/cases/{lea.case_id}/thread/messages",
        json={"text": SECRET_TEXT},
        headers=world.as_counsellor(),
    )
    assert reply.status_code == 201, reply.text
    (mail,) = await eventually(lambda: _mails(world, lea.email))
    assert mail.subject == "Nouveau message de votre conseiller"
    assert "https://jalon.test/beneficiary/messages" in mail.body
    assert SECRET_TEXT not in mail.body
    assert "CPF" not in mail.body
    # The beneficiary reads it: one unread, then the counsellor's message carries its receipt.
    read = await thread_of(world, lea, lea.headers)
    assert read["unread"] == 1
    assert [m["author_role"] for m in read["messages"]] == ["beneficiary", "counsellor"]
    assert read["messages"][1]["read_at"] is not None


async def _mails(world: World, email: str) -> list[Mail]:
    return world.mails_to(email)


async def test_the_unanswered_list_shows_waiting_threads_oldest_first(world: World) -> None:
    first = await world.person("Ana")
    second = await world.person("Bea")
    answered = await world.person("Cleo")
    for person in (first, second, answered):
        posted = await world.post(person, person.headers, "Une question")
        assert posted.status_code == 201, posted.text
    await world.post(second, second.headers, "Une autre question")
    replied = await world.post(answered, world.as_counsellor(), "Réponse")
    assert replied.status_code == 201
    waiting = await world.http.get("/me/unanswered", headers=world.as_counsellor())
    assert waiting.status_code == 200, waiting.text
    cases = [t["case_id"] for t in waiting.json()]
    assert cases.index(first.case_id) < cases.index(second.case_id)
    assert answered.case_id not in cases
    # Another counsellor's list holds none of these; a beneficiary may not ask.
    other = await world.http.get("/me/unanswered", headers=world.as_counsellor("c-other"))
    assert {first.case_id, second.case_id} & {t["case_id"] for t in other.json()} == set()
    refused = await world.http.get("/me/unanswered", headers=first.headers)
    assert refused.status_code == 403


async def test_nobody_else_reaches_a_thread_or_its_attachments(world: World) -> None:
    lea = await world.person()
    bob = await world.person("Bob")
    posted = await world.post(lea, lea.headers, "Privé", [("cv.pdf", PDF_BYTES)])
    attachment_id = posted.json()["attachments"][0]["attachment_id"]
    strangers = [bob.headers, world.as_manager(), world.as_counsellor("c-other")]
    for headers in strangers:
        thread = await world.http.get(f"/cases/{lea.case_id}/thread", headers=headers)
        assert thread.status_code == 404, thread.text
        file = await world.http.get(f"/attachments/{attachment_id}", headers=headers)
        assert file.status_code == 404, file.text
        wrote = await world.post(lea, headers, "Intrus")
        assert wrote.status_code == 404, wrote.text
        tasks = await world.http.get(f"/cases/{lea.case_id}/tasks", headers=headers)
        assert tasks.status_code == 404, tasks.text
    unknown = await world.http.get(f"/attachments/{uuid.uuid4()}", headers=lea.headers)
    assert unknown.status_code == 404


async def test_oversized_and_disguised_files_are_refused_and_the_thread_still_works(
    world: World,
) -> None:
    lea = await world.person()
    big = PDF_BYTES + b"\x00" * (10 * 1024 * 1024)
    too_big = await world.post(lea, lea.headers, "Gros fichier", [("gros.pdf", big)])
    assert too_big.status_code == 413, too_big.text
    disguised = await world.post(lea, lea.headers, "Mon CV", [("cv.pdf", EXE_BYTES)])
    assert disguised.status_code == 422, disguised.text
    (error,) = disguised.json()["errors"]
    assert (error["field"], error["type"]) == ("files", "unsupported_type")
    four = await world.post(lea, lea.headers, "Trop", [(f"{i}.pdf", PDF_BYTES) for i in range(4)])
    assert four.status_code == 422, four.text
    too_long = await world.http.post(
        f"/cases/{lea.case_id}/thread/messages", json={"text": "x" * 5001}, headers=lea.headers
    )
    assert too_long.status_code == 422
    # Nothing was kept of the refused messages, and the thread takes the next one.
    assert (
        await world.db["attachments.files"].count_documents(
            {"metadata.case_id": uuid.UUID(lea.case_id)}
        )
        == 0
    )
    fine = await world.post(lea, lea.headers, "Mon CV, le vrai", [("cv.png", PNG_BYTES)])
    assert fine.status_code == 201, fine.text
    assert fine.json()["attachments"][0]["media_type"] == "image/png"
    thread = await thread_of(world, lea, lea.headers)
    assert [m["text"] for m in thread["messages"]] == ["Mon CV, le vrai"]


async def test_a_task_is_assigned_then_completed_with_its_events_on_kafka(
    world: World, kafka: EmbeddedKafka
) -> None:
    lea = await world.person()
    due = (utc_now() + timedelta(days=7)).date()
    form = {
        "title": "Enquête métier",
        "instructions": "Interroger deux professionnels.",
        "kind": "enquiry",
        "due_on": due.isoformat(),
    }
    refused = await world.http.post(f"/cases/{lea.case_id}/tasks", json=form, headers=lea.headers)
    assert refused.status_code == 403
    not_theirs = await world.http.post(
        f"/cases/{lea.case_id}/tasks", json=form, headers=world.as_counsellor("c-other")
    )
    assert not_theirs.status_code == 404
    bad_kind = await world.http.post(
        f"/cases/{lea.case_id}/tasks", json={**form, "kind": "chore"}, headers=world.as_counsellor()
    )
    assert bad_kind.status_code == 422
    assigned = await world.http.post(
        f"/cases/{lea.case_id}/tasks", json=form, headers=world.as_counsellor()
    )
    assert assigned.status_code == 201, assigned.text
    task = assigned.json()
    assert (task["status"], task["kind"], task["due_on"]) == ("assigned", "enquiry", str(due))
    listed = await world.http.get(f"/cases/{lea.case_id}/tasks", headers=lea.headers)
    assert [t["task_id"] for t in listed.json()] == [task["task_id"]]
    by_counsellor = await world.http.post(
        f"/tasks/{task['task_id']}/complete", headers=world.as_counsellor()
    )
    assert by_counsellor.status_code == 403
    done = await world.http.post(
        f"/tasks/{task['task_id']}/complete",
        data={"note": "Deux entretiens faits."},
        files=[("files", ("notes.pdf", PDF_BYTES, "application/pdf"))],
        headers=lea.headers,
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done"
    assert done.json()["note"] == "Deux entretiens faits."
    (attached,) = done.json()["attachments"]
    seen = await world.http.get(
        f"/attachments/{attached['attachment_id']}", headers=world.as_counsellor()
    )
    assert seen.content == PDF_BYTES
    twice = await world.http.post(f"/tasks/{task['task_id']}/complete", headers=lea.headers)
    assert twice.status_code == 409
    await world.post(lea, lea.headers, "Tâche faite")

    async def published() -> list[dict[str, Any]]:
        records = await read_topic(kafka.bootstrap, topics.SESSION, want=10_000, timeout=3)
        mine = [json.loads(r.value) for r in records if r.key == lea.case_id.encode()]
        types = {m["event_type"] for m in mine}
        wanted = {"session.task_assigned", "session.task_completed", "session.message_posted"}
        return mine if wanted <= types else []

    events = await eventually(published, timeout=40)
    by_type = {e["event_type"]: e for e in events}
    assert by_type["session.task_assigned"]["task_id"] == task["task_id"]
    assert by_type["session.task_assigned"]["due_on"] == str(due)
    assert by_type["session.task_completed"]["beneficiary_id"] == lea.beneficiary_id
    assert by_type["session.message_posted"]["author_role"] == "beneficiary"
    # Ids only: no text, no title, no note travels on the topic.
    wire = json.dumps(events)
    assert "Tâche faite" not in wire
    assert "Enquête" not in wire
    assert "entretiens" not in wire


async def test_an_erasure_removes_threads_messages_tasks_and_files(world: World) -> None:
    lea = await world.person()
    # Text found nowhere else in the module's database, to look for after the erasure.
    marker = uuid.uuid4().hex
    await world.post(lea, lea.headers, f"Mon CV {marker}", [("cv.pdf", PDF_BYTES)])
    await world.post(lea, world.as_counsellor(), f"Merci, bien reçu {marker}")
    due = (utc_now() + timedelta(days=3)).date().isoformat()
    task = await world.http.post(
        f"/cases/{lea.case_id}/tasks",
        json={"title": f"Lecture {marker}", "kind": "reading", "due_on": due},
        headers=world.as_counsellor(),
    )
    await world.http.post(
        f"/tasks/{task.json()['task_id']}/complete",
        files=[("files", ("scan.png", PNG_BYTES, "image/png"))],
        headers=lea.headers,
    )
    person = uuid.UUID(lea.beneficiary_id)
    case = uuid.UUID(lea.case_id)
    file_ids = [
        d["_id"] async for d in world.db["attachments.files"].find({"metadata.case_id": case})
    ]
    assert len(file_ids) == 2
    assert await world.db["attachments.chunks"].count_documents({"files_id": {"$in": file_ids}})
    erased = await world.intake.http.delete("/me", headers=lea.headers)
    assert erased.status_code == 200, erased.text

    async def nothing_left() -> list[str]:
        found = await holding(world.db, {str(person), str(case)})
        chunks = await world.db["attachments.chunks"].count_documents(
            {"files_id": {"$in": file_ids}}
        )
        return [] if found or chunks else ["clean"]

    await eventually(nothing_left, timeout=30)
    assert await holding(world.db, {marker}) == []


async def holding(db: Database, needles: set[str]) -> list[str]:
    """Return 'collection: needle' for every document of the database holding a needle."""
    found: list[str] = []
    for collection in await db.list_collection_names():
        # The outbox keeps published events (ids only) for its documented retention.
        if collection in ("outbox", "processed_events"):
            continue
        async for document in db[collection].find({}):
            text = json.dumps(document, default=str).lower()
            found.extend(f"{collection}: {n}" for n in needles if n.lower() in text)
    return found

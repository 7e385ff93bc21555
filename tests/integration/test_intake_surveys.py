"""Surveys on the real broker and database: anonymous on Kafka, e-mailed once, erased."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import SecretStr

from intake.entrypoints.main import IntakeSettings
from intake.entrypoints.main import build_app as build_intake
from intake.entrypoints.settings import SurveySettings
from jalon_dev.mailbox import DevMailbox, Mail
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo, free_port
from jalon_shared.access import Role
from jalon_shared.events import topics
from jalon_shared.events.envelope import utc_now
from jalon_shared.links import SURVEY_PURPOSE, SignedLinks
from jalon_shared.mongo import Client
from tests.integration.conftest import RunningService
from tests.integration.test_intake_caseload import add_counsellor
from tests.support import (
    Keys,
    eventually,
    intake_payload,
    register_region,
    running,
    service_settings,
)

SECRET = "survey-link-secret-" + "x" * 32
WEB = "https://jalon.example"
LINK = re.compile(re.escape(WEB) + r"/enquete/([A-Za-z0-9_.-]+)")


async def survey_events(bootstrap: str, region: str, want: int) -> list[dict[str, Any]]:
    """Read intake.survey.v1 from the beginning until `want` events of the region arrived."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        partitions = [
            TopicPartition(topics.INTAKE_SURVEY, p)
            for p in range(topics.PARTITIONS[topics.INTAKE_SURVEY])
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        async with asyncio.timeout(20):
            while len(found) < want:
                batch = await consumer.getmany(timeout_ms=200)
                for records in batch.values():
                    for record in records:
                        event = json.loads(record.value)
                        if event["region"] == region:
                            found.append(event)
    except TimeoutError:
        pass
    finally:
        await consumer.stop()
    return found


async def open_case(
    http: httpx.AsyncClient, keys: Keys, region: str, **fields: Any
) -> tuple[str, str]:
    """Submit a request as a new beneficiary in the region; return (beneficiary id, case id)."""
    person = str(uuid.uuid4())
    body = intake_payload(region=region, site="rennes", **fields)
    answer = await http.post("/requests", json=body, headers=keys.headers(person, Role.BENEFICIARY))
    assert answer.status_code == 201, answer.text
    return person, answer.json()["case_id"]


async def close(http: httpx.AsyncClient, keys: Keys, region: str, case_id: str) -> None:
    counsellor = keys.headers(f"c-{region}", Role.COUNSELLOR, region=region, site="rennes")
    closed = await http.post(
        f"/cases/{case_id}/close", json={"reason": "path_completed"}, headers=counsellor
    )
    assert closed.status_code == 200, closed.text


async def test_a_survey_offered_at_closing_is_answered_once_and_published_anonymously(
    intake: RunningService, kafka: EmbeddedKafka, keys: Keys
) -> None:
    region = f"s{uuid.uuid4().hex[:8]}"
    await register_region(intake.http, keys, region)
    await add_counsellor(intake, keys, region, f"c-{region}", "rennes", 5)
    person, case_id = await open_case(intake.http, keys, region)
    own = keys.headers(person, Role.BENEFICIARY)
    assert (await intake.http.get("/surveys/mine", headers=own)).json() == []
    await close(intake.http, keys, region, case_id)

    mine = await intake.http.get("/surveys/mine", headers=own)
    assert mine.status_code == 200, mine.text
    (survey,) = mine.json()
    assert (survey["kind"], survey["status"], survey["service_level"]) == (
        "end_of_level",
        "pending",
        "accueil_individualise",
    )
    answers = f"/surveys/{survey['survey_id']}/answers"
    # Bad answers name the field and never echo the value.
    for body, field, kind in (
        ({"satisfaction": 987654}, "satisfaction", "less_than_equal"),
        ({"satisfaction": "4"}, "satisfaction", "int_type"),
        ({}, "satisfaction", "missing"),
        ({"satisfaction": 3, "situation": "new_job"}, "situation", "not_asked"),
        ({"satisfaction": 3, "comment": "x"}, "comment", "extra_forbidden"),
    ):
        refused = await intake.http.post(answers, json=body, headers=own)
        assert refused.status_code == 422, (body, refused.text)
        (error,) = refused.json()["errors"]
        assert (error["field"], error["type"]) == (field, kind)
        assert "987654" not in refused.text
    # Someone else's survey is nobody's to them; staff have no such route.
    stranger = keys.headers(str(uuid.uuid4()), Role.BENEFICIARY)
    assert (
        await intake.http.post(answers, json={"satisfaction": 1}, headers=stranger)
    ).status_code == 404
    assert (
        await intake.http.get(f"/surveys/{survey['survey_id']}", headers=stranger)
    ).status_code == 404
    staff = keys.headers(f"c-{region}", Role.COUNSELLOR, region=region)
    assert (await intake.http.get("/surveys/mine", headers=staff)).status_code == 403

    taken = await intake.http.post(
        answers, json={"satisfaction": 4, "would_recommend": False}, headers=own
    )
    assert taken.status_code == 200, taken.text
    assert taken.json()["status"] == "answered"
    again = await intake.http.post(answers, json={"satisfaction": 5}, headers=own)
    assert again.status_code == 409
    assert again.json()["errors"][0]["type"] == "already_answered"
    assert (await intake.http.get("/surveys/mine", headers=own)).json() == []
    shown = await intake.http.get(f"/surveys/{survey['survey_id']}", headers=own)
    assert shown.json()["status"] == "answered"
    # Intake keeps that it was answered, and the day; the answer is nowhere in its records.
    stored = await intake.db["surveys"].find_one({"_id": uuid.UUID(survey["survey_id"])})
    assert stored is not None
    assert stored["status"] == "answered"
    assert stored["answered_at"].time().isoformat() == "00:00:00"
    assert "satisfaction" not in stored
    assert "would_recommend" not in stored

    # Keyed by random ids, the two land on any partitions, in any order.
    by_type = {e["event_type"]: e for e in await survey_events(kafka.bootstrap, region, 2)}
    offered, answered = by_type["intake.survey_offered"], by_type["intake.survey_answered"]
    assert (answered["satisfaction"], answered["would_recommend"], answered["situation"]) == (
        4,
        False,
        None,
    )
    assert (answered["kind"], answered["site"], answered["csp"]) == (
        "end_of_level",
        "rennes",
        "employe",
    )
    for event in (offered, answered):
        text = json.dumps(event)
        for secret in (person, case_id, survey["survey_id"]):
            assert secret not in text
        assert event["causation_id"] is None
    assert offered["correlation_id"] != answered["correlation_id"]


def survey_settings(
    kafka: EmbeddedKafka, mongo: EmbeddedMongo, keys: Keys, database: str, **surveys: Any
) -> IntakeSettings:
    """Return intake's settings on a database of its own, with the surveys' section."""
    base = service_settings(
        "intake", kafka=kafka.bootstrap, mongo_uri=mongo.uri, keys=keys, database=database
    )
    return IntakeSettings(
        **base.model_dump(exclude={"service_name"}),
        service_name="intake",
        surveys=SurveySettings(
            follow_up_days=0,
            link_secret=SecretStr(SECRET),
            web_url=WEB,
            lease_seconds=5,
            **surveys,
        ),
    )


@asynccontextmanager
async def intake_on(settings: IntakeSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(build_intake(settings)) as http:
        yield http


def mails_to(mailbox: DevMailbox, email: str) -> list[Mail]:
    return [m for m in mailbox.inbox.newest_first() if email in m.recipients]


async def test_the_follow_up_is_e_mailed_exactly_once_across_restarts_and_erased(
    kafka: EmbeddedKafka,
    mongo: EmbeddedMongo,
    keys: Keys,
    mongo_client: Client,
    dev_mailbox: DevMailbox,
) -> None:
    database = f"t_intake_surveys_{uuid.uuid4().hex[:8]}"
    region = f"f{uuid.uuid4().hex[:8]}"
    db = mongo_client[database]
    first, second = (f"suivi.{n}.{uuid.uuid4().hex[:8]}@example.org" for n in (1, 2))
    # A sender that sleeps an hour between looks: nothing is sent before the restart.
    asleep = survey_settings(
        kafka, mongo, keys, database, smtp_port=dev_mailbox.smtp_port, poll_interval_ms=3_600_000
    )
    async with intake_on(asleep) as http:
        await register_region(http, keys, region)
        service = RunningService(http, asleep, db)
        await add_counsellor(service, keys, region, f"c-{region}", "rennes", 5)
        person, case_id = await open_case(http, keys, region, email=first, first_name="Léa")
        other, other_case = await open_case(http, keys, region, email=second)
        await close(http, keys, region, case_id)
        await close(http, keys, region, other_case)
        # The second one's sender died after claiming it, before offering it.
        crashed = await db["surveys"].update_one(
            {"case_id": uuid.UUID(other_case), "kind": "follow_up"},
            {
                "$set": {
                    "mail_status": "sending",
                    "mail_owner": "intake@dead:1",
                    "mail_lease_until": utc_now() - timedelta(seconds=1),
                    "mail_attempts": 1,
                }
            },
        )
        assert crashed.modified_count == 1
    assert mails_to(dev_mailbox, first) == mails_to(dev_mailbox, second) == []

    awake = survey_settings(
        kafka, mongo, keys, database, smtp_port=dev_mailbox.smtp_port, poll_interval_ms=50
    )
    async with intake_on(awake) as http:

        async def both_sent() -> bool:
            return bool(mails_to(dev_mailbox, first) and mails_to(dev_mailbox, second))

        await eventually(both_sent)
        await asyncio.sleep(0.5)
    # Started again: nothing goes twice.
    async with intake_on(awake) as http:
        await asyncio.sleep(0.5)
        own = keys.headers(person, Role.BENEFICIARY)
        listed = (await http.get("/surveys/mine", headers=own)).json()
        assert sorted(s["kind"] for s in listed) == ["end_of_level", "follow_up"]
        follow_up = next(s for s in listed if s["kind"] == "follow_up")

        (mail,) = mails_to(dev_mailbox, first)
        assert len(mails_to(dev_mailbox, second)) == 1
        assert mail.subject.startswith("Où en êtes-vous aujourd'hui")
        assert "Bonjour Léa," in mail.body
        assert "Vos réponses sont anonymes" in mail.body
        assert mail.message_id == f"<survey.{follow_up['survey_id']}@jalon.invalid>"
        match = LINK.search(mail.body)
        assert match is not None
        survey_id, beneficiary_id = SignedLinks(SECRET).verify(match.group(1), SURVEY_PURPOSE)
        assert (str(survey_id), str(beneficiary_id)) == (follow_up["survey_id"], person)
        # The link is valid for the answer window.
        expires_at = datetime.fromisoformat(follow_up["expires_at"])
        assert expires_at > utc_now() + timedelta(days=59)

        answered = await http.post(
            f"/surveys/{follow_up['survey_id']}/answers",
            json={"situation": "new_job"},
            headers=own,
        )
        assert answered.status_code == 200, answered.text

        states = {
            doc["case_id"]: doc["mail_status"]
            async for doc in db["surveys"].find({"kind": "follow_up"})
        }
        assert states == {uuid.UUID(case_id): "sent", uuid.UUID(other_case): "sent"}

        erased = await http.delete("/me", headers=own)
        assert erased.status_code == 200, erased.text
        assert await db["surveys"].count_documents({"beneficiary_id": uuid.UUID(person)}) == 0
        assert await db["surveys"].count_documents({"beneficiary_id": uuid.UUID(other)}) == 2

    events = await survey_events(kafka.bootstrap, region, 5)
    kinds = sorted((e["event_type"], e["kind"]) for e in events)
    assert kinds == [
        ("intake.survey_answered", "follow_up"),
        ("intake.survey_offered", "end_of_level"),
        ("intake.survey_offered", "end_of_level"),
        ("intake.survey_offered", "follow_up"),
        ("intake.survey_offered", "follow_up"),
    ]
    (situation,) = [e for e in events if e["event_type"] == "intake.survey_answered"]
    assert situation["situation"] == "new_job"
    assert person not in json.dumps(events)


async def test_a_relay_that_refuses_leaves_the_follow_up_to_retry_not_lost(
    kafka: EmbeddedKafka, mongo: EmbeddedMongo, keys: Keys, mongo_client: Client
) -> None:
    database = f"t_intake_surveys_{uuid.uuid4().hex[:8]}"
    region = f"r{uuid.uuid4().hex[:8]}"
    db = mongo_client[database]
    # Nothing listens on this port: every hand-over fails.
    nowhere = survey_settings(
        kafka, mongo, keys, database, smtp_port=free_port(), poll_interval_ms=50
    )
    async with intake_on(nowhere) as http:
        await register_region(http, keys, region)
        await add_counsellor(
            RunningService(http, nowhere, db), keys, region, f"c-{region}", "rennes", 5
        )
        person, case_id = await open_case(http, keys, region)
        await close(http, keys, region, case_id)

        async def postponed() -> dict[str, Any] | None:
            return await db["surveys"].find_one(
                {"kind": "follow_up", "mail_status": "scheduled", "mail_attempts": 1}
            )

        doc = await eventually(postponed)
        # Offered all the same, and due again a minute later.
        assert doc["status"] == "pending"
        assert doc["mail_due_at"] > utc_now() + timedelta(seconds=30)
        own = keys.headers(person, Role.BENEFICIARY)
        kinds = [s["kind"] for s in (await http.get("/surveys/mine", headers=own)).json()]
        assert sorted(kinds) == ["end_of_level", "follow_up"]

"""The web front on the embedded stack: the dev mailbox, erasure by event, shared counters."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from jalon_dev.mailbox import DevMailbox
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo
from jalon_shared.events.envelope import utc_now
from jalon_shared.events.intake import BeneficiaryErased
from jalon_shared.messaging.broker import create_producer
from jalon_shared.mongo import Client, Database
from jalon_shared.settings import KafkaSettings
from tests.support import Keys, eventually, running, service_settings
from web.adapters.mongo import (
    BENEFICIARIES,
    RATE_LIMITS,
    REVOCATIONS,
    MongoAccountStore,
    MongoRateLimiter,
    MongoRevocations,
)
from web.domain.accounts import BeneficiaryAccount
from web.entrypoints.main import WebOptions, WebSettings, build_app
from web.entrypoints.session import COOKIE
from web.entrypoints.subscribers import ERASURE_CONSUMER

ORIGIN = "http://test"


@dataclass
class RunningFront:
    """The web front in-process, its database and the mailbox it sends through."""

    http: httpx.AsyncClient
    db: Database
    mailbox: DevMailbox
    kafka: EmbeddedKafka


@pytest.fixture(scope="module")
async def front(
    kafka: EmbeddedKafka,
    mongo: EmbeddedMongo,
    keys: Keys,
    dev_mailbox: DevMailbox,
    mongo_client: Client,
) -> AsyncIterator[RunningFront]:
    base = service_settings("web", kafka=kafka.bootstrap, mongo_uri=mongo.uri, keys=keys)
    settings = WebSettings(
        **base.model_dump(exclude={"service_name"}),
        service_name="web",
        web=WebOptions(private_key_pem=keys.private_pem, smtp_port=dev_mailbox.smtp_port),
    )
    async with running(build_app(settings)) as http:
        http.headers.update({"Origin": ORIGIN})
        yield RunningFront(http, mongo_client[settings.database_name()], dev_mailbox, kafka)


async def code_from_mailbox(mailbox: DevMailbox, email: str) -> str:
    """Read the latest sign-in code sent to the email, from the mailbox's JSON."""

    async def find() -> str | None:
        async with httpx.AsyncClient() as client:
            messages = (await client.get(f"{mailbox.url}/messages")).json()
        for message in messages:
            if email in message["recipients"]:
                found = re.search(r"\b(\d{6})\b", message["body"])
                return found.group(1) if found else None
        return None

    code: str = await eventually(find, timeout=10)
    return code


async def sign_in(front: RunningFront, email: str) -> str:
    """Sign in with the code the mailbox received; return the session cookie."""
    sent = await front.http.post("/beneficiary/code", data={"email": email})
    assert sent.status_code == 200, sent.text
    code = await code_from_mailbox(front.mailbox, email)
    verified = await front.http.post("/beneficiary/verify", data={"email": email, "code": code})
    assert verified.status_code == 303
    return front.http.cookies[COOKIE]


async def test_the_sign_in_code_travels_through_the_dev_mailbox(front: RunningFront) -> None:
    email = f"mail.{uuid.uuid4().hex[:8]}@example.org"
    await sign_in(front, email)
    async with httpx.AsyncClient() as client:
        page = await client.get(front.mailbox.url)
    assert "Votre code de connexion Jalon" in page.text
    assert f"<bdi>{email}</bdi>" in page.text
    # Intake is not running here: the space still answers, saying what is unavailable.
    assert (await front.http.get("/beneficiary")).status_code == 200
    front.http.cookies.clear()


async def test_an_erased_beneficiary_loses_account_and_sessions_once(
    front: RunningFront,
) -> None:
    email = f"erased.{uuid.uuid4().hex[:8]}@example.org"
    cookie = await sign_in(front, email)
    account = await front.db[BENEFICIARIES].find_one({"_id": email})
    assert account is not None
    event = BeneficiaryErased(
        correlation_id=uuid.uuid4().hex,
        producer="intake",
        beneficiary_id=account["beneficiary_id"],
    )
    producer = create_producer(
        KafkaSettings(bootstrap_servers=front.kafka.bootstrap), client_id="test-erasure"
    )
    await producer.start()
    try:
        for _ in range(2):  # a redelivery changes nothing
            await producer.send_and_wait(
                event.TOPIC, value=event.to_json_bytes(), key=event.key().encode()
            )
    finally:
        await producer.stop()

    async def forgotten() -> bool:
        return await front.db[BENEFICIARIES].find_one({"_id": email}) is None

    await eventually(forgotten, timeout=30)
    markers = await front.db["processed_events"].count_documents(
        {"consumer": ERASURE_CONSUMER, "event_id": str(event.event_id)}
    )
    assert markers == 1
    front.http.cookies.set(COOKIE, cookie)
    refused = await front.http.get("/beneficiary")
    assert (refused.status_code, refused.headers["location"]) == (303, "/beneficiary/sign-in")
    front.http.cookies.clear()


async def test_rate_limit_counters_are_atomic_shared_and_expire(
    front: RunningFront,
) -> None:
    one, other = MongoRateLimiter(front.db), MongoRateLimiter(front.db)
    bucket = f"test:{uuid.uuid4().hex}"
    ends = utc_now() + timedelta(minutes=15)
    counts = await asyncio.gather(*(limiter.hit(bucket, ends) for limiter in [one, other] * 10))
    assert sorted(counts) == list(range(1, 21))
    await one.refund(bucket)
    assert await other.hit(bucket, ends) == 20
    indexes = await front.db[RATE_LIMITS].index_information()
    assert any(ix.get("expireAfterSeconds") == 0 for ix in indexes.values())


async def test_revocations_hold_across_instances_and_expire(front: RunningFront) -> None:
    until = utc_now() + timedelta(minutes=16)
    await MongoRevocations(front.db).revoke_token("jti-1", until)
    await MongoRevocations(front.db).revoke_subject("subject-1", until)
    fresh = MongoRevocations(front.db)
    assert await fresh.is_revoked("jti-1", "someone")
    assert await fresh.is_revoked("other", "subject-1")
    assert not await fresh.is_revoked("other", "someone")
    indexes = await front.db[REVOCATIONS].index_information()
    assert any(ix.get("expireAfterSeconds") == 0 for ix in indexes.values())


async def test_the_fronts_pages_answer_html_and_sign_out_revokes(front: RunningFront) -> None:
    email = f"out.{uuid.uuid4().hex[:8]}@example.org"
    cookie = await sign_in(front, email)
    page = await front.http.get("/nowhere")
    assert (page.status_code, page.headers["content-type"][:9]) == (404, "text/html")
    token = re.search(r'name="form_token" value="([0-9a-f]+)"', page.text)
    assert token is not None
    out = await front.http.post("/sign-out", data={"form_token": token.group(1)})
    assert out.status_code == 303
    front.http.cookies.set(COOKIE, cookie)
    assert (await front.http.get("/beneficiary")).status_code == 303
    front.http.cookies.clear()


async def test_racing_first_sign_ins_end_with_one_account(front: RunningFront) -> None:
    store = MongoAccountStore(front.db)
    email = f"race.{uuid.uuid4().hex[:8]}@example.org"
    candidates = [BeneficiaryAccount(email=email, beneficiary_id=uuid.uuid4()) for _ in range(8)]
    kept = await asyncio.gather(*(store.beneficiary_or_create(c) for c in candidates))
    assert len({account.beneficiary_id for account in kept}) == 1
    assert await front.db[BENEFICIARIES].count_documents({"_id": email}) == 1

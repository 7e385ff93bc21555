"""Assignment with several intake replicas on one database: no lock, no overfill, no drift."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from intake.adapters.mongo import IntakeCollections, MongoUnitOfWork, ReferenceCache
from intake.application.ports import IntakeTransaction
from intake.domain.model import Counsellor
from intake.entrypoints.main import build_app as build_intake
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo
from jalon_shared.access import Role
from jalon_shared.events import topics
from jalon_shared.events.vocabulary import CaseStatus
from jalon_shared.messaging.broker import ensure_topics
from jalon_shared.messaging.outbox import Headers, Outbox, OutboxRelay
from jalon_shared.mongo import Client, Database
from jalon_shared.settings import KafkaSettings
from tests.support import Keys, intake_payload, register_region, running, service_settings

REGION = "replicas"
#: Three counsellors, 150 places in all, for 200 requests: 50 must wait unassigned.
COUNSELLORS = {"c-rennes-1": ("rennes", 40), "c-rennes-2": ("rennes", 50), "c-brest": ("brest", 60)}


@pytest.fixture
async def private_kafka() -> AsyncIterator[EmbeddedKafka]:
    """Return a broker of the test's own.

    Two members of one consumer group leaving together can leave the embedded broker's group
    coordinator stuck, so the replicas' group must not be the one the session's intake joins.
    """
    kafka = EmbeddedKafka()
    kafka.start()
    await ensure_topics(KafkaSettings(bootstrap_servers=kafka.bootstrap), topics.PARTITIONS)
    yield kafka
    kafka.stop()


class UnusedPublisher:
    """The relay of these tests never starts, so nothing is ever sent."""

    async def send(self, topic: str, key: bytes, value: bytes, headers: Headers) -> Awaitable[Any]:
        raise AssertionError("nothing is published in this test")


async def unit_of_work(client: Client, db: Database) -> MongoUnitOfWork:
    """Return intake's unit of work on a database of its own, its relay left stopped."""
    collections = IntakeCollections(db)
    await collections.ensure_indexes()
    outbox = Outbox(db)
    relay = OutboxRelay(outbox.collection, UnusedPublisher())
    return MongoUnitOfWork(
        client, collections, outbox, relay, ReferenceCache(collections, ttl_seconds=60)
    )


async def test_two_replicas_assign_200_concurrent_requests_without_overfilling(
    private_kafka: EmbeddedKafka, mongo: EmbeddedMongo, keys: Keys, mongo_client: Client
) -> None:
    database = f"t_replicas_{uuid.uuid4().hex[:8]}"
    settings = service_settings(
        "intake", kafka=private_kafka.bootstrap, mongo_uri=mongo.uri, keys=keys, database=database
    )
    manager = keys.headers("m-replicas", Role.MANAGER, region=REGION)
    # Two apps, two clients, two caches: as two processes behind a load balancer would be.
    async with running(build_intake(settings)) as a, running(build_intake(settings)) as b:
        await register_region(a, keys, REGION)
        for counsellor_id, (site, capacity) in COUNSELLORS.items():
            response = await a.put(
                f"/counsellors/{counsellor_id}",
                json={
                    "display_name": counsellor_id,
                    "region": REGION,
                    "site": site,
                    "capacity": capacity,
                },
                headers=manager,
            )
            assert response.status_code in (200, 201), response.text

        async def submit(i: int) -> int:
            replica = (a, b)[i % 2]
            response = await replica.post(
                "/requests",
                json=intake_payload(region=REGION, site=("rennes", "brest")[i % 3 == 0]),
                headers=manager,
            )
            return response.status_code

        statuses = await asyncio.gather(*(submit(i) for i in range(200)))

    assert statuses == [201] * 200
    db = mongo_client[database]
    open_cases = {"status": {"$ne": CaseStatus.CLOSED.value}}
    for counsellor_id, (_, capacity) in COUNSELLORS.items():
        stored = await db["counsellors"].find_one({"_id": counsellor_id})
        assert stored is not None
        held = await db["cases"].count_documents({**open_cases, "counsellor_id": counsellor_id})
        assert stored["open_cases"] == held, counsellor_id
        assert held <= capacity, counsellor_id
    assert await db["cases"].count_documents(open_cases) == 200
    # Every place is taken before anyone waits: 150 assigned, 50 for a manager to place.
    assert await db["cases"].count_documents({**open_cases, "counsellor_id": None}) == 50


async def test_a_claim_is_given_back_when_its_transaction_fails(mongo_client: Client) -> None:
    db = mongo_client[f"t_claims_{uuid.uuid4().hex[:8]}"]
    uow = await unit_of_work(mongo_client, db)
    await db["counsellors"].insert_one(
        {
            "_id": "c-1",
            "counsellor_id": "c-1",
            "region": REGION,
            "site": "rennes",
            "capacity": 1,
            "active": True,
            "open_cases": 0,
        }
    )

    async def claim_then_fail(tx: IntakeTransaction) -> None:
        roster = await tx.counsellors_in_region(REGION)
        claimed = await tx.claim_case_slot(roster)
        assert claimed is not None
        raise RuntimeError("the case could not be stored")

    with pytest.raises(RuntimeError):
        await uow.run(claim_then_fail)
    stored = await db["counsellors"].find_one({"_id": "c-1"})
    assert stored is not None
    assert stored["open_cases"] == 0

    async def claim(tx: IntakeTransaction) -> Counsellor | None:
        return await tx.claim_case_slot(await tx.counsellors_in_region(REGION))

    # The slot given back can be taken again; once taken, the full counsellor is refused.
    taken = await uow.run(claim)
    assert taken is not None
    assert taken.counsellor_id == "c-1"
    assert await uow.run(claim) is None


async def test_a_group_that_counted_on_stale_loads_claims_again_and_never_overfills(
    private_kafka: EmbeddedKafka, mongo: EmbeddedMongo, keys: Keys, mongo_client: Client
) -> None:
    database = f"t_stale_{uuid.uuid4().hex[:8]}"
    settings = service_settings(
        "intake", kafka=private_kafka.bootstrap, mongo_uri=mongo.uri, keys=keys, database=database
    )
    manager = keys.headers("m-replicas", Role.MANAGER, region=REGION)
    async with running(build_intake(settings)) as app:
        await register_region(app, keys, REGION)
        response = await app.put(
            "/counsellors/c-only",
            json={"display_name": "Only", "region": REGION, "site": "rennes", "capacity": 10},
            headers=manager,
        )
        assert response.status_code in (200, 201), response.text
        first = await app.post("/requests", json=intake_payload(region=REGION), headers=manager)
        assert first.json()["counsellor_assigned"] is True
        # Another replica fills the counsellor to one place short: this one's cache still
        # says one case, so its next group counts on nine free places.
        db = mongo_client[database]
        await db["counsellors"].update_one({"_id": "c-only"}, {"$set": {"open_cases": 9}})
        answers = await asyncio.gather(
            *(
                app.post("/requests", json=intake_payload(region=REGION), headers=manager)
                for _ in range(5)
            )
        )
    assert [a.status_code for a in answers] == [201] * 5
    assert sum(a.json()["counsellor_assigned"] for a in answers) == 1
    stored = await db["counsellors"].find_one({"_id": "c-only"})
    assert stored is not None
    assert stored["open_cases"] == 10


async def test_a_caller_that_stops_waiting_does_not_make_its_group_run_twice(
    mongo_client: Client,
) -> None:
    db = mongo_client[f"t_group_{uuid.uuid4().hex[:8]}"]
    uow = await unit_of_work(mongo_client, db)
    runs: list[int] = []

    def work(i: int) -> Callable[[IntakeTransaction], Awaitable[int]]:
        async def add(tx: IntakeTransaction) -> int:
            runs.append(i)
            await asyncio.sleep(0.01)
            return i

        return add

    calls = [asyncio.create_task(uow.run(work(i), conflict_keys={f"k{i}"})) for i in range(4)]
    await asyncio.sleep(0)
    calls[1].cancel()
    results = await asyncio.gather(*calls, return_exceptions=True)
    await uow.close()
    assert [results[0], results[2], results[3]] == [0, 2, 3]
    assert isinstance(results[1], asyncio.CancelledError)
    # Each work ran once: answering a caller who left must not look like a failed group.
    assert sorted(runs) == [0, 1, 2, 3]

"""After an erasure, no database on the server holds the person, outside the documented outbox."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import pytest

from appointment.entrypoints.main import build_app as build_appointment
from document_signature.entrypoints.main import build_app as build_document_signature
from intake.entrypoints.main import build_app as build_intake
from jalon_dev.mailbox import DevMailbox
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo
from jalon_shared.access import Role
from jalon_shared.directory.store import CASES as DIRECTORY_CASES
from jalon_shared.messaging.outbox import OUTBOX_COLLECTION
from jalon_shared.mongo import Client
from remote_session.entrypoints.main import build_app as build_remote_session
from reporting.entrypoints.main import build_app as build_reporting
from tests.integration.conftest import RunningService, run_service
from tests.integration.test_intake_caseload import add_counsellor
from tests.integration.test_web_front import ORIGIN, sign_in
from tests.integration.test_web_front import RunningFront as Front
from tests.support import Keys, eventually, intake_payload, register_region, running
from tests.support import service_settings as settings_for
from web.adapters.mongo import BENEFICIARIES
from web.entrypoints.main import WebOptions, WebSettings
from web.entrypoints.main import build_app as build_web
from web.entrypoints.session import COOKIE

COPIES = {
    "appointment": build_appointment,
    "remote_session": build_remote_session,
    "document_signature": build_document_signature,
}


@dataclass
class Stack:
    """Every service and the web front, on one broker and one database server."""

    intake: RunningService
    reporting: RunningService
    copies: dict[str, RunningService]
    front: Front


@pytest.fixture(scope="module")
async def stack(
    kafka: EmbeddedKafka,
    mongo: EmbeddedMongo,
    keys: Keys,
    mongo_client: Client,
    dev_mailbox: DevMailbox,
) -> AsyncIterator[Stack]:
    async with AsyncExitStack() as exits:

        async def start(name: str, build: Any) -> RunningService:
            return await exits.enter_async_context(
                run_service(name, build, kafka, mongo, keys, mongo_client)
            )

        intake = await start("intake", build_intake)
        # A consumer group of its own: the session's reporting would share the partitions.
        reporting = await start("reporting-erasure", build_reporting)
        copies = {name: await start(name, build) for name, build in COPIES.items()}
        base = settings_for("web", kafka=kafka.bootstrap, mongo_uri=mongo.uri, keys=keys)
        web_settings = WebSettings(
            **base.model_dump(exclude={"service_name"}),
            service_name="web",
            web=WebOptions(private_key_pem=keys.private_pem, smtp_port=dev_mailbox.smtp_port),
        )
        http = await exits.enter_async_context(running(build_web(web_settings)))
        http.headers.update({"Origin": ORIGIN})
        front = Front(http, mongo_client[web_settings.database_name()], dev_mailbox, kafka)
        yield Stack(intake, reporting, copies, front)


async def scan(client: Client, needles: dict[str, str], only: str | None = None) -> list[str]:
    """Return 'db.collection: needle' for every document of every database holding a needle."""
    found: list[str] = []
    for name in [only] if only else await client.list_database_names():
        if name in ("admin", "local", "config"):
            continue
        database = client[name]
        for collection in await database.list_collection_names():
            async for document in database[collection].find({}):
                text = json.dumps(document, default=str, ensure_ascii=False).lower()
                found.extend(
                    f"{name}.{collection}: {label}"
                    for label, needle in needles.items()
                    if needle.lower() in text
                )
    return found


async def test_an_erasure_through_intake_leaves_nothing_of_the_person_in_any_database(
    stack: Stack, keys: Keys, mongo_client: Client
) -> None:
    region = f"r{uuid.uuid4().hex[:8]}"
    await register_region(stack.intake.http, keys, region)
    await add_counsellor(stack.intake, keys, region, f"c-{region}", "rennes", 10)
    # The person signs in on the web front (a real code through the dev mailbox): an account.
    tag = uuid.uuid4().hex[:10]
    email = f"zephyrine.{tag}@example.org"
    first, last = f"Zéphyrine{tag}", f"Quillevic{tag}"
    phone_digits = f"6{uuid.uuid4().int % 10**8:08d}"
    cookie = await sign_in(stack.front, email)
    account = await stack.front.db[BENEFICIARIES].find_one({"_id": email})
    assert account is not None
    person_id = uuid.UUID(str(account["beneficiary_id"]))
    # Their requests, as the front sends them with their token; a counsellor works the case.
    own = keys.headers(str(person_id), Role.BENEFICIARY)
    body = intake_payload(
        first_name=first,
        last_name=last,
        email=email,
        phone=f"0{phone_digits}",
        region=region,
        site="rennes",
        need=f"Besoin de {first}",
        availability=f"joignable au 0{phone_digits}",
    )
    opened = await stack.intake.http.post("/requests", json=body, headers=own)
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["case_id"]
    again = await stack.intake.http.post("/requests", json=body, headers=own)
    assert again.json()["outcome"] == "added_to_own_case"
    counsellor = keys.headers(f"c-{region}", Role.COUNSELLOR, region=region, site="rennes")
    level = {"service_level": "accompagnement_personnalise"}
    changed = await stack.intake.http.post(
        f"/cases/{case_id}/service-level", json=level, headers=counsellor
    )
    assert changed.status_code == 200, changed.text

    async def copied_everywhere() -> bool:
        for service in stack.copies.values():
            if await service.db[DIRECTORY_CASES].count_documents({"_id": uuid.UUID(case_id)}) == 0:
                return False
        return True

    await eventually(copied_everywhere, timeout=30)
    needles = {
        "first name": first,
        "last name": last,
        "email": email,
        "phone": phone_digits,
        "id": str(person_id),
    }
    assert await scan(mongo_client, needles), "the scan must see the person before the erasure"

    reporting_db = stack.reporting.settings.database_name()

    async def reporting_knows_the_case() -> bool:
        return bool(await scan(mongo_client, {"case": case_id}, only=reporting_db))

    await eventually(reporting_knows_the_case, timeout=30)
    manager = keys.headers("m-erase", Role.MANAGER, region=region)
    erased = await stack.intake.http.delete(f"/beneficiaries/{person_id}", headers=manager)
    assert erased.status_code == 200, erased.text

    async def everyone_acted() -> bool:
        for service in stack.copies.values():
            if await service.db[DIRECTORY_CASES].count_documents({"beneficiary_id": person_id}):
                return False
        return await stack.front.db[BENEFICIARIES].find_one({"_id": email}) is None

    await eventually(everyone_acted, timeout=30)

    async def reporting_forgot_the_case() -> bool:
        return not await scan(mongo_client, {"case": case_id}, only=reporting_db)

    # Reporting keeps its counters but drops the case's id and every fact kept with it.
    await eventually(reporting_forgot_the_case, timeout=30)
    left = await scan(mongo_client, needles)
    # The documented exception: each producer's outbox keeps its published events (ids and
    # categories only, never contact details) for the outbox retention, to rebuild read models.
    outside_outbox = [hit for hit in left if f".{OUTBOX_COLLECTION}: " not in hit]
    assert outside_outbox == []
    assert all(hit.endswith(": id") for hit in left), left
    # The old session cookie no longer opens the person's space.
    stack.front.http.cookies.set(COOKIE, cookie)
    refused = await stack.front.http.get("/beneficiary")
    assert refused.status_code == 303
    stack.front.http.cookies.clear()
    # The counsellor's anonymous stub of the path stays, with no link to the person.
    stub = await stack.intake.http.get(f"/cases/{case_id}", headers=counsellor)
    assert stub.status_code in (403, 404)
    assert str(person_id) not in stub.text

"""Every service's AsyncAPI document: what it says, and that the official parser accepts it."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from appointment.entrypoints.main import build_app as build_appointment
from document_signature.entrypoints.main import build_app as build_document_signature
from intake.entrypoints.main import build_app as build_intake
from jalon_shared.events import topics
from jalon_shared.events.registry import REGISTRY
from jalon_shared.messaging.asyncapi import NAME
from jalon_shared.settings import ServiceSettings
from remote_session.entrypoints.main import build_app as build_remote_session
from reporting.entrypoints.main import build_app as build_reporting
from tests.support import Keys, service_settings

REPO = Path(__file__).resolve().parents[2]
VALIDATOR = Path(__file__).with_name("validate_asyncapi.mjs")
PARSER = REPO / "node_modules" / "@asyncapi" / "parser"

SERVICES: dict[str, Callable[[ServiceSettings], FastAPI]] = {
    "intake": build_intake,
    "appointment": build_appointment,
    "remote_session": build_remote_session,
    "document_signature": build_document_signature,
    "reporting": build_reporting,
}
DIRECTORY_TOPICS = {topics.INTAKE_STAFF, topics.INTAKE_CASE, topics.INTAKE_BENEFICIARY}
#: (topics sent to, topics received from) as each service's wiring declares them.
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "intake": (
        {
            topics.INTAKE_REQUEST,
            topics.INTAKE_CASE,
            topics.INTAKE_BENEFICIARY,
            topics.INTAKE_STAFF,
            topics.INTAKE_SURVEY,
            topics.DEAD_LETTER,
        },
        {topics.APPOINTMENT, topics.DOCUMENT, topics.SESSION},
    ),
    "appointment": ({topics.APPOINTMENT, topics.DEAD_LETTER}, DIRECTORY_TOPICS | {topics.SESSION}),
    "remote_session": (
        {topics.SESSION, topics.DEAD_LETTER},
        DIRECTORY_TOPICS | {topics.APPOINTMENT},
    ),
    "document_signature": ({topics.DOCUMENT, topics.DEAD_LETTER}, DIRECTORY_TOPICS),
    "reporting": (
        {topics.REPORTING, topics.DEAD_LETTER},
        {
            topics.INTAKE_REQUEST,
            topics.INTAKE_CASE,
            topics.INTAKE_BENEFICIARY,
            topics.INTAKE_SURVEY,
            topics.INTAKE_STAFF,
            topics.APPOINTMENT,
            topics.SESSION,
            topics.DOCUMENT,
        },
    ),
}

Document = dict[str, Any]


@pytest.fixture(scope="module")
async def documents() -> dict[str, Document]:
    """Build every service in-process (nothing started) and fetch its /asyncapi.json."""
    keys = Keys.generate()
    found: dict[str, Document] = {}
    for name, build in SERVICES.items():
        settings = service_settings(
            name, kafka="127.0.0.1:9092", mongo_uri="mongodb://127.0.0.1:1", keys=keys
        )
        app = build(settings)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                response = await http.get("/asyncapi.json")
                assert response.status_code == 200, response.text
                assert response.headers["content-type"] == "application/json"
                page = await http.get("/asyncapi")
                assert page.status_code == 200
                assert f"{app.title} AsyncAPI" in page.text
        finally:
            await app.state.infra.client.close()
        found[name] = response.json()
    return found


def refs(items: list[dict[str, str]]) -> list[str]:
    """Return the last segment of each $ref."""
    return [item["$ref"].rsplit("/", 1)[-1] for item in items]


def operations_by_action(document: Document, action: str) -> dict[str, Document]:
    """Return the operations of one action, by name."""
    return {k: op for k, op in document["operations"].items() if op["action"] == action}


def topic_of(operation: Document) -> str:
    """Return the topic an operation's channel names."""
    reference: str = operation["channel"]["$ref"]
    return reference.rsplit("/", 1)[-1]


def test_every_service_has_a_document(documents: dict[str, Document]) -> None:
    assert set(documents) == set(SERVICES)
    for name, document in documents.items():
        assert document["asyncapi"] == "3.0.0"
        assert document["info"]["title"].startswith("Jalon "), name
        assert document["servers"] == {"kafka": {"host": "127.0.0.1:9092", "protocol": "kafka"}}


def test_every_name_is_a_valid_asyncapi_name(documents: dict[str, Document]) -> None:
    for service, document in documents.items():
        names = [
            *document["channels"],
            *document["operations"],
            *document["components"]["messages"],
            *document["components"]["schemas"],
            *(m for channel in document["channels"].values() for m in channel["messages"]),
        ]
        invalid = [name for name in names if not NAME.match(name)]
        assert invalid == [], f"{service}: {invalid}"


def test_each_service_declares_every_topic_it_sends_to_and_receives_from(
    documents: dict[str, Document],
) -> None:
    for service, (sends, receives) in EXPECTED.items():
        document = documents[service]
        sent = {topic_of(op) for op in operations_by_action(document, "send").values()}
        received = {topic_of(op) for op in operations_by_action(document, "receive").values()}
        assert (sent, received) == (sends, receives), service
        assert set(document["channels"]) == sends | receives, service
        for topic, channel in document["channels"].items():
            assert channel["address"] == topic
            assert channel["bindings"]["kafka"]["partitions"] == topics.PARTITIONS[topic]


def test_received_messages_carry_the_union_of_the_topics_contracts(
    documents: dict[str, Document],
) -> None:
    for service, document in documents.items():
        schemas = document["components"]["schemas"]
        messages = document["components"]["messages"]
        for name, operation in operations_by_action(document, "receive").items():
            topic = topic_of(operation)
            contracts = REGISTRY.on_topic(topic)
            assert refs(operation["messages"]) == [
                c.model_fields["event_type"].default for c in contracts
            ]
            assert operation["bindings"]["kafka"]["groupId"]["enum"][0] in name
            for cls in contracts:
                message = messages[cls.model_fields["event_type"].default]
                schema = schemas[message["payload"]["$ref"].rsplit("/", 1)[-1]]
                assert schema["title"] == cls.__name__, service
                assert set(schema["required"]) >= {"event_id", "event_type", "schema_version"}
                assert (
                    schema["properties"]["event_type"]["const"]
                    == cls.model_fields["event_type"].default
                )
                assert message["headers"] == {"$ref": "#/components/schemas/EventHeaders"}
                assert message["correlationId"]["location"] == "$message.header#/correlation_id"


def test_every_consumer_sends_what_it_cannot_apply_to_the_dead_letter_topic(
    documents: dict[str, Document],
) -> None:
    for service, document in documents.items():
        assert operations_by_action(document, "receive"), service
        letters = document["operations"][f"publish.{topics.DEAD_LETTER}"]
        assert letters["action"] == "send"
        assert refs(letters["messages"]) == ["DeadLetter"]
        message = document["components"]["messages"]["DeadLetter"]
        headers = document["components"]["schemas"]["DeadLetterHeaders"]
        assert message["contentType"] == "application/octet-stream"
        assert "dlt.original_topic" in headers["required"]


def test_every_contract_is_published_in_full_by_exactly_one_service(
    documents: dict[str, Document],
) -> None:
    publishers: dict[str, list[tuple[str, list[str]]]] = {}
    for service, document in documents.items():
        for operation in operations_by_action(document, "send").values():
            topic = topic_of(operation)
            if topic != topics.DEAD_LETTER:
                publishers.setdefault(topic, []).append((service, refs(operation["messages"])))
    contract_topics = {cls.TOPIC for cls in REGISTRY.types.values()}
    assert set(publishers) == contract_topics
    for topic, declared in publishers.items():
        [(_, messages)] = declared
        expected = {cls.model_fields["event_type"].default for cls in REGISTRY.on_topic(topic)}
        assert set(messages) == expected, topic


def test_the_official_asyncapi_parser_finds_no_error(
    documents: dict[str, Document], tmp_path: Path
) -> None:
    node = shutil.which("node")
    assert node is not None, "Node.js is needed to run the AsyncAPI parser"
    assert PARSER.is_dir(), "@asyncapi/parser is missing: run `make install-node` (npm ci)"
    files = []
    for service, document in documents.items():
        path = tmp_path / f"{service}.asyncapi.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        files.append(str(path))
    result = subprocess.run(
        [node, str(VALIDATOR), *files], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    problems = {
        Path(file).name: [
            d for d in outcome["diagnostics"] if d["severity"] in {"error", "warning"}
        ]
        for file, outcome in report.items()
    }
    unparsed = [Path(file).name for file, outcome in report.items() if not outcome["parsed"]]
    assert len(report) == len(SERVICES)
    assert unparsed == [], json.dumps(problems, indent=2)
    assert all(not found for found in problems.values()), json.dumps(problems, indent=2)

"""Every backend service's HTTP API against its own OpenAPI document, with schemathesis.

Each service runs as a real uvicorn server on loopback, in a thread with its own event loop (its
Kafka and Mongo clients bind to the loop that serves it), on a broker of its own and a throwaway
database. Schemathesis' engine runs what `schemathesis run --checks all --continue-on-failure`
runs (every phase, every check), bounded and deterministic, once with a token of each role.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx
import pytest
import schemathesis
import uvicorn
from fastapi import FastAPI
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from appointment.entrypoints.main import build_app as build_appointment
from document_signature.entrypoints.main import build_app as build_document_signature
from intake.entrypoints.main import build_app as build_intake
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo
from jalon_shared.access import Role
from jalon_shared.events.topics import PARTITIONS
from jalon_shared.messaging.broker import ensure_topics
from jalon_shared.settings import KafkaSettings, ServiceSettings
from remote_session.entrypoints.main import build_app as build_remote_session
from reporting.entrypoints.main import build_app as build_reporting
from tests.support import Keys, service_settings

#: The web front serves HTML forms, not a JSON API: it has no OpenAPI document to conform to.
SERVICES: dict[str, Callable[[ServiceSettings], FastAPI]] = {
    "intake": build_intake,
    "appointment": build_appointment,
    "remote_session": build_remote_session,
    "document_signature": build_document_signature,
    "reporting": build_reporting,
}
#: Per operation and phase: enough for shallow faults while the file stays under a minute.
MAX_EXAMPLES = 25
#: The checks the conformance promise is about; the run must have used each of them.
REQUIRED_CHECKS = {
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
}
REGION, SITE = "bretagne", "rennes"
#: Bodies naming a region and site are valid only if intake's reference data holds them, which no
#: static schema can state: for these, a 422 (unknown_region, site_outside_region...) is a right
#: answer to schema-valid data. Every other operation keeps the default expectation.
REFERENCE_DATA_OPERATIONS = [
    {
        "include-path": path,
        "include-method": method,
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
            }
        },
    }
    for method, path in (
        ("POST", "/requests"),
        ("PUT", "/counsellors/{counsellor_id}"),
        # Times and places hold only against the clock, the plan and the region's sites.
        ("GET", "/agenda"),
        ("GET", "/cases/{case_id}/slots"),
        ("POST", "/cases/{case_id}/appointments"),
        ("POST", "/appointments/{appointment_id}/reschedule"),
        ("PUT", "/me/availability"),
        ("POST", "/site-closures"),
        ("POST", "/collective-sessions"),
        # A month the schema allows may not have begun yet.
        ("POST", "/regions/{region}/reports"),
    )
]


class _Server(uvicorn.Server):
    """A uvicorn server that says when it listens."""

    def __init__(self, config: uvicorn.Config, listening: threading.Event) -> None:
        super().__init__(config)
        self._listening = listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self._listening.set()


class LiveServer:
    """One service served by uvicorn on a free loopback port, in a thread with its own loop."""

    def __init__(
        self, build: Callable[[ServiceSettings], FastAPI], settings: ServiceSettings
    ) -> None:
        self._build = build
        self._settings = settings
        self._server: _Server | None = None
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"live-{settings.service_name}")

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        finally:
            # Whatever happened, the test thread must stop waiting.
            self._listening.set()

    async def _serve(self) -> None:
        # aiokafka and the Mongo client bind to the running loop, so the app is built inside it.
        config = uvicorn.Config(
            self._build(self._settings),
            host="127.0.0.1",
            port=0,
            lifespan="on",
            log_config=None,
            access_log=False,
        )
        self._server = _Server(config, self._listening)
        await self._server.serve()

    def start(self) -> str:
        """Start serving; return the base URL."""
        self._thread.start()
        self._listening.wait(timeout=60)
        server = self._server
        if server is None or not server.started:
            raise RuntimeError(f"{self._settings.service_name} did not start")
        port = server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        """Ask uvicorn to shut down (lifespan included) and wait for the thread."""
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(timeout=30)


@pytest.fixture(scope="module")
async def own_kafka() -> AsyncIterator[EmbeddedKafka]:
    """A broker of its own, so generated events never reach the other tests' consumers."""
    broker = EmbeddedKafka()
    broker.start()
    try:
        await ensure_topics(KafkaSettings(bootstrap_servers=broker.bootstrap), PARTITIONS)
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="module")
def identities(keys: Keys) -> dict[str, dict[str, str]]:
    """Return an Authorization header for one identity of every role."""
    return {
        role.value: keys.headers(sub, role, region=region, site=site)
        for role, sub, region, site in (
            (Role.BENEFICIARY, str(uuid.uuid4()), None, None),
            (Role.COUNSELLOR, "c-schemathesis", REGION, SITE),
            (Role.MANAGER, "m-schemathesis", REGION, None),
            (Role.SERVICE, "ops-schemathesis", None, None),
        )
    }


@dataclass(frozen=True)
class Finding:
    """One failure schemathesis found."""

    service: str
    role: str
    operation: str
    check: str
    title: str
    message: str
    reproduce: str

    def fault(self) -> tuple[str, str, str, str, str]:
        """Return what makes two findings the same fault, whatever the example or role."""
        first_line = self.message.strip().splitlines()[0] if self.message.strip() else ""
        return (self.service, self.operation, self.check, self.title, first_line)


@dataclass
class Run:
    """What one schemathesis run did and found."""

    findings: list[Finding] = field(default_factory=list)
    checks: set[str] = field(default_factory=set)
    operations: set[str] = field(default_factory=set)


def conformance_config(base_url: str, headers: dict[str, str]) -> SchemathesisConfig:
    """Return what `schemathesis run --checks all` would use, bounded and deterministic."""
    config = SchemathesisConfig.from_dict({"operations": REFERENCE_DATA_OPERATIONS})
    project = config.projects.override
    project.update(base_url=base_url, headers=headers, continue_on_failure=True, request_timeout=30)
    project.checks.update(included_check_names=["all"])
    project.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")
    return config


def run_schemathesis(service: str, base_url: str, role: str, headers: dict[str, str]) -> Run:
    """Run every phase and check on the service as one role."""
    config = conformance_config(base_url, headers)
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=config)
    run = Run()
    for event in from_schema(schema).execute():
        if isinstance(event, events.FatalError):
            raise AssertionError(f"schemathesis stopped on {service}: {event.exception!r}")
        if isinstance(event, events.NonFatalError):
            name = type(event.value).__name__
            run.findings.append(
                Finding(service, role, event.label, "error", name, str(event.value), "")
            )
            continue
        if not isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            continue
        recorder = event.recorder
        run.operations.add(recorder.label)
        for checks in recorder.checks.values():
            for check in checks:
                run.checks.add(check.name)
                info = check.failure_info
                if info is not None:
                    failure = info.failure
                    run.findings.append(
                        Finding(
                            service,
                            role,
                            recorder.label,
                            check.name,
                            failure.title,
                            failure.message,
                            info.code_sample,
                        )
                    )
    return run


def report(findings: list[Finding]) -> str:
    """Return one entry per distinct fault, with the roles that met it and one reproduction."""
    faults: dict[tuple[str, str, str, str, str], list[Finding]] = {}
    for finding in findings:
        faults.setdefault(finding.fault(), []).append(finding)
    lines = [f"{len(faults)} distinct failures:"]
    for (service, operation, check, title, _), same in sorted(faults.items()):
        roles = ", ".join(sorted({f.role for f in same}))
        example = same[0]
        lines.append(f"- [{service}] {operation} / {check}: {title} (as {roles})")
        lines.extend(f"    {line}" for line in example.message.strip().splitlines())
        if example.reproduce:
            lines.append(f"    {example.reproduce.strip()}")
    return "\n".join(lines)


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_operation_conforms_to_its_openapi_document(
    service: str,
    own_kafka: EmbeddedKafka,
    mongo: EmbeddedMongo,
    keys: Keys,
    identities: dict[str, dict[str, str]],
) -> None:
    settings = service_settings(service, kafka=own_kafka.bootstrap, mongo_uri=mongo.uri, keys=keys)
    server = LiveServer(SERVICES[service], settings)
    base_url = server.start()
    try:
        document = httpx.get(f"{base_url}/openapi.json", timeout=10).json()
        runs = [
            run_schemathesis(service, base_url, role, headers)
            for role, headers in identities.items()
        ]
    finally:
        server.stop()
    operations = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "put", "post", "delete", "patch"}
    }
    for run in runs:
        assert run.checks >= REQUIRED_CHECKS, run.checks
        assert run.operations >= operations, operations - run.operations
    findings = [finding for run in runs for finding in run.findings]
    assert findings == [], report(findings)

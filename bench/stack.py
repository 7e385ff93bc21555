"""A private embedded stack with real service processes, for benchmarks."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from jalon_dev.mailbox import DevMailbox
from jalon_dev.run import Service, rooms_env, service_env, signalling_url
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo, free_port
from jalon_shared.access import Role
from jalon_shared.auth import TokenIssuer, generate_key_pair
from jalon_shared.events.topics import PARTITIONS
from jalon_shared.messaging.broker import ensure_topics
from jalon_shared.mongo import Client, create_client
from jalon_shared.settings import TOKEN_AUDIENCE, TOKEN_ISSUER, KafkaSettings, MongoSettings


@dataclass
class Stack:
    """Running services, a token issuer, a client on their MongoDB and the mail sink."""

    ports: dict[str, int]
    issuer: TokenIssuer
    mongo: Client
    #: The SMTP sink every service sends to: read codes in `mailbox.inbox.newest_first()`.
    mailbox: DevMailbox
    #: Tansu's address, for benchmarks that publish another service's events themselves.
    kafka_bootstrap: str = ""

    def url(self, service: str, path: str) -> str:
        """Return the URL of a path on a service."""
        return f"http://127.0.0.1:{self.ports[service]}{path}"

    def headers(self, sub: str, role: Role, region: str | None = None) -> dict[str, str]:
        """Return a bearer header for the identity."""
        return {"Authorization": f"Bearer {self.issuer.mint(sub, role, region=region)}"}


@asynccontextmanager
async def embedded_stack(modules: list[str]) -> AsyncIterator[Stack]:
    """Start Tansu, SecantusDB and the given services as processes; stop them all after."""
    work = Path(tempfile.mkdtemp(prefix="jalon-bench-"))
    private_pem, public_pem = generate_key_pair()
    (work / "private.pem").write_text(private_pem, encoding="utf-8")
    (work / "public.pem").write_text(public_pem, encoding="utf-8")
    mongo = EmbeddedMongo(log_path=work / "secantus.log")
    kafka = EmbeddedKafka(log_path=work / "tansu.log")
    processes: list[subprocess.Popen[bytes]] = []
    mailbox = DevMailbox(smtp_port=free_port(), page_port=free_port())
    mongo.start()
    kafka.start()
    client = create_client(MongoSettings(uri=mongo.uri))
    try:
        await ensure_topics(KafkaSettings(bootstrap_servers=kafka.bootstrap), PARTITIONS)
        services = [Service(module, free_port()) for module in modules]
        ports = {s.module: s.port for s in services}
        # Notices go to a sink and read contacts from this stack's intake, so the dispatcher
        # works as in production instead of retrying failures in the background.
        await mailbox.start()
        for service in services:
            env = service_env(
                service, kafka, mongo, work / "public.pem", work / "private.pem", mailbox
            )
            env["JALON_LOG_LEVEL"] = "WARNING"
            if "intake" in ports:
                intake_url = f"http://127.0.0.1:{ports['intake']}"
                env["JALON_NOTIFICATIONS__INTAKE_URL"] = intake_url
                # Document signature reads names and e-mail addresses from intake too, and
                # remote session the names its lobby shows: without this they would go to the
                # dev stack's intake, which may be running.
                env["JALON_DOCUMENTS__INTAKE_URL"] = intake_url
                env["JALON_THREADS__INTAKE_URL"] = intake_url
            if service.module == "remote_session":
                # Rooms take the web front's origin of this stack, and media never leaves
                # loopback.
                web_url = f"http://127.0.0.1:{ports['web']}" if "web" in ports else None
                env |= rooms_env(web_url, loopback_only=True)
            if service.module == "web" and "remote_session" in ports:
                env["JALON_WEB__SIGNALLING_URL"] = signalling_url(ports["remote_session"])
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", service.module],
                    env=env,
                    stdout=(work / f"{service.module}.log").open("ab"),
                    stderr=subprocess.STDOUT,
                )
            )
        async with httpx.AsyncClient(timeout=5) as http:
            for service, process in zip(services, processes, strict=True):
                await wait_ready(http, service, process, work / f"{service.module}.log")
        issuer = TokenIssuer(private_pem, issuer=TOKEN_ISSUER, audience=TOKEN_AUDIENCE)
        yield Stack({s.module: s.port for s in services}, issuer, client, mailbox, kafka.bootstrap)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
        await client.close()
        await mailbox.stop()
        kafka.stop()
        mongo.stop()


async def wait_ready(
    http: httpx.AsyncClient,
    service: Service,
    process: subprocess.Popen[bytes],
    log: Path,
    timeout: float = 60,
) -> None:
    """Wait until a service's /readyz answers 200; fail at once if its process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{service.module} exited with {process.returncode}; see {log}")
        try:
            if (await http.get(f"http://127.0.0.1:{service.port}/readyz")).is_success:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{service.module} not ready after {timeout}s; see {log}")


def percentile(values: list[float], p: float) -> float:
    """Return the p-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def register_region(http: httpx.AsyncClient, stack: Stack, code: str) -> None:
    """Register a benchmark region and its sites in intake's reference data."""
    response = await http.put(
        stack.url("intake", f"/reference/regions/{code}"),
        json={
            "label": code.title(),
            "sites": [
                {"code": "rennes", "label": "Rennes", "active": True},
                {"code": "brest", "label": "Brest", "active": True},
            ],
        },
        headers=stack.headers("bench", Role.SERVICE),
    )
    response.raise_for_status()


async def command_counts(
    http: httpx.AsyncClient, stack: Stack, services: list[str]
) -> dict[str, dict[str, int]]:
    """Return every service's MongoDB command counts so far."""
    headers = stack.headers("bench", Role.SERVICE)
    counts: dict[str, dict[str, int]] = {}
    for service in services:
        response = await http.get(stack.url(service, "/admin/mongo-commands"), headers=headers)
        response.raise_for_status()
        counts[service] = response.json()["by_command"]
    return counts

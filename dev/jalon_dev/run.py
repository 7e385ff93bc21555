"""Run the whole system on the embedded default: `make run`.

Starts SecantusDB (data under .data/), Tansu, every service and the web front on loopback,
seeds the demo staff and prints the URLs for the three personas. Ctrl-C stops everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo
from jalon_shared.access import Role
from jalon_shared.auth import TokenIssuer, generate_key_pair
from jalon_shared.events.topics import PARTITIONS
from jalon_shared.messaging.broker import ensure_topics
from jalon_shared.settings import KafkaSettings

ROOT = Path.cwd()
DATA = ROOT / ".data"
KAFKA_PORT = int(os.environ.get("JALON_DEV_KAFKA_PORT", "19092"))
MONGO_PORT = int(os.environ.get("JALON_DEV_MONGO_PORT", "27018"))


@dataclass(frozen=True)
class Service:
    """One process of the system."""

    module: str
    port: int


SERVICES = [
    Service("intake", 8101),
    Service("appointment", 8102),
    Service("remote_session", 8103),
    Service("document_signature", 8104),
    Service("reporting", 8105),
    Service("web", 8100),
]

DEMO_STAFF_PASSWORD = "jalon-demo"  # noqa: S105 - a published demo credential, dev only
DEMO_COUNSELLORS = [
    ("c-camille-bernard", "bretagne", "rennes", 30, ("reconversion", "vae"), ("fr", "en")),
    ("c-louise-martin", "bretagne", "rennes", 25, ("training_cpf",), ("fr", "br")),
    ("c-yann-le-goff", "bretagne", "brest", 20, ("job_search",), ("fr",)),
    ("c-hugo-leroy", "normandie", "caen", 30, ("transition_project",), ("fr", "es")),
]
DEMO_MANAGERS = [("m-anne-durand", "bretagne"), ("m-paul-morel", "normandie")]
DEMO_BENEFICIARY_ID = "7b0a4a63-8f5c-4a43-9a51-2f4c1b0f1e01"
DEMO_BENEFICIARY_EMAIL = "lea.petit@example.org"


def dev_keys() -> tuple[Path, Path]:
    """Return the dev JWT key files, generating them on first run (never committed)."""
    keys = DATA / "keys"
    private, public = keys / "jwt_private.pem", keys / "jwt_public.pem"
    if not private.exists():
        keys.mkdir(parents=True, exist_ok=True)
        private_pem, public_pem = generate_key_pair()
        private.write_text(private_pem, encoding="utf-8")
        private.chmod(0o600)
        public.write_text(public_pem, encoding="utf-8")
    return private, public


def service_env(
    service: Service,
    kafka: EmbeddedKafka,
    mongo: EmbeddedMongo,
    public_key: Path,
    private_key: Path,
) -> dict[str, str]:
    """Return the environment of one service process."""
    env = {
        **os.environ,
        "JALON_HTTP_HOST": "127.0.0.1",
        "JALON_HTTP_PORT": str(service.port),
        "JALON_LOG_FORMAT": "console",
        "JALON_KAFKA__BOOTSTRAP_SERVERS": kafka.bootstrap,
        "JALON_KAFKA__SESSION_TIMEOUT_MS": "2000",
        "JALON_KAFKA__HEARTBEAT_INTERVAL_MS": "500",
        "JALON_MONGO__URI": mongo.uri,
        "JALON_AUTH__PUBLIC_KEY_FILE": str(public_key),
        "JALON_OUTBOX__POLL_INTERVAL_MS": "200",
    }
    if service.module == "web":
        env |= {
            "JALON_WEB__PRIVATE_KEY_FILE": str(private_key),
            "JALON_WEB__DEV_SHOW_CODES": "true",
            "JALON_WEB__SEED_DEMO": "true",
            **{
                f"JALON_WEB__{s.module.upper()}_URL": f"http://127.0.0.1:{s.port}"
                for s in SERVICES
                if s.module != "web"
            },
        }
    return env


async def wait_ready(
    client: httpx.AsyncClient,
    service: Service,
    process: subprocess.Popen[bytes],
    timeout: float = 60,
) -> None:
    """Wait until the service's /readyz answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{service.module} exited with {process.returncode}; see .data/logs/{service.module}.log"
            )
        with contextlib.suppress(httpx.HTTPError):
            if (await client.get(f"http://127.0.0.1:{service.port}/readyz")).status_code == 200:
                return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{service.module} not ready after {timeout}s")


async def seed(issuer: TokenIssuer) -> None:
    """Register the demo counsellors and, once, the demo beneficiary's request."""
    async with httpx.AsyncClient(base_url="http://127.0.0.1:8101", timeout=10) as client:
        for counsellor_id, region, site, capacity, skills, languages in DEMO_COUNSELLORS:
            token = issuer.mint("devrun", Role.MANAGER, region=region, ttl=timedelta(minutes=5))
            response = await client.put(
                f"/counsellors/{counsellor_id}",
                json={
                    "counsellor_id": counsellor_id,
                    "region": region,
                    "site": site,
                    "capacity": capacity,
                    "skills": list(skills),
                    "languages": list(languages),
                },
                headers={"Authorization": f"Bearer {token}"},
            )
            response.raise_for_status()
        marker = DATA / "seeded-demo-beneficiary"
        if marker.exists():
            return
        token = issuer.mint(DEMO_BENEFICIARY_ID, Role.BENEFICIARY, ttl=timedelta(minutes=5))
        response = await client.post(
            "/requests",
            json={
                "first_name": "Léa",
                "last_name": "Petit",
                "email": DEMO_BENEFICIARY_EMAIL,
                "phone": "06 12 34 56 78",
                "preferred_channel": "email",
                "employment_situation": "employed",
                "csp": "employe",
                "region": "bretagne",
                "site": "rennes",
                "need": "Je travaille en logistique et je voudrais me reconvertir.",
                "topics": ["reconversion", "training_cpf"],
                "modalities": ["video", "phone"],
                "availability": "le mardi et le jeudi après 17 h",
                "accessibility": [],
                "service_level": "accueil_individualise",
                "consent": {"accepted": True, "text_version": "2026-01"},
            },
            headers={"Authorization": f"Bearer {token}", "X-Correlation-ID": uuid.uuid4().hex},
        )
        response.raise_for_status()
        marker.touch()


def print_urls(issuer: TokenIssuer, services: list[Service]) -> None:
    """Print where each persona starts, and the API of every service."""
    print("\nJalon is running on loopback. Ctrl-C stops everything.\n")
    if any(s.module == "web" for s in services):
        print("Personas (web front):")
        print(
            f"  Beneficiary         http://127.0.0.1:8100/beneficiary   email {DEMO_BENEFICIARY_EMAIL} (code shown on the page in dev)"
        )
        print(
            f"  Counsellor          http://127.0.0.1:8100/counsellor    id c-camille-bernard, password {DEMO_STAFF_PASSWORD}"
        )
        print(
            f"  Regional manager    http://127.0.0.1:8100/manager       id m-anne-durand, password {DEMO_STAFF_PASSWORD}"
        )
    print("\nServices (OpenAPI at /docs, AsyncAPI at /asyncapi, health at /readyz):")
    for service in services:
        print(f"  {service.module:<20} http://127.0.0.1:{service.port}")
    token = issuer.mint("m-anne-durand", Role.MANAGER, region="bretagne", ttl=timedelta(hours=12))
    print("\nA 12-hour manager token for curl (python -m jalon_dev.token mints others):")
    print(
        f"  curl -H 'Authorization: Bearer {token}' http://127.0.0.1:8105/regions/bretagne/activity"
    )
    print(
        f"\nKafka (Tansu) 127.0.0.1:{KAFKA_PORT}   MongoDB (SecantusDB) 127.0.0.1:{MONGO_PORT}   logs .data/logs/\n"
    )


async def run() -> None:
    """Start everything, seed, print the URLs, and wait for Ctrl-C."""
    logs = DATA / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    private_key, public_key = dev_keys()
    issuer = TokenIssuer(
        private_key.read_text(encoding="utf-8"), issuer="jalon-web", audience="jalon"
    )
    mongo = EmbeddedMongo(
        port=MONGO_PORT, storage=str(DATA / "mongo"), log_path=logs / "secantus.log"
    )
    kafka = EmbeddedKafka(port=KAFKA_PORT, log_path=logs / "tansu.log")
    processes: list[tuple[Service, subprocess.Popen[bytes]]] = []
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        print("starting MongoDB (SecantusDB) and Kafka (Tansu)...")
        mongo.start()
        kafka.start()
        created = await ensure_topics(KafkaSettings(bootstrap_servers=kafka.bootstrap), PARTITIONS)
        print(f"topics ready ({len(PARTITIONS)}; created {len(created)})")
        services = [
            s
            for s in SERVICES
            if importlib.util.find_spec(s.module)
            and importlib.util.find_spec(f"{s.module}.__main__")
        ]
        for service in services:
            log_file = open(logs / f"{service.module}.log", "ab")  # noqa: SIM115
            process = subprocess.Popen(
                [sys.executable, "-m", service.module],
                env=service_env(service, kafka, mongo, public_key, private_key),
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
            processes.append((service, process))
        async with httpx.AsyncClient(timeout=2) as client:
            for service, process in processes:
                await wait_ready(client, service, process)
                print(f"  {service.module} ready on :{service.port}")
        await seed(issuer)
        print_urls(issuer, services)
        while not stop.is_set():
            for service, process in processes:
                if process.poll() is not None:
                    print(
                        f"{service.module} exited with {process.returncode}; see .data/logs/{service.module}.log"
                    )
                    stop.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1)
    finally:
        print("\nstopping...")
        for _, process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        kafka.stop()
        mongo.stop()
        print("stopped.")


def main() -> None:
    """Run the dev system."""
    asyncio.run(run())


if __name__ == "__main__":
    main()

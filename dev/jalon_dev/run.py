"""Run the whole system on the embedded default: `make run`.

Starts SecantusDB (data under .data/), Tansu, every service and the web front on loopback,
seeds the reference data and demo staff and prints the URLs for the three personas. Ctrl-C stops everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from jalon_dev.appointments import PARIS, seed_appointments, seed_collective_sessions
from jalon_dev.demo import (
    DEMO_BENEFICIARY_EMAIL,
    DEMO_BENEFICIARY_ID,
    DEMO_PASSWORD,
    DEMO_REGIONS,
    DEMO_STAFF,
    DemoStaff,
    demo_counsellors,
    demo_phone_intakes,
    first_of,
    region_body,
)
from jalon_dev.documents import seed_documents
from jalon_dev.history import DEMO_WEEKS, seed_history
from jalon_dev.mailbox import PAGE_PORT, SMTP_PORT, DevMailbox
from jalon_dev.pki import ensure_dev_pki
from jalon_dev.sessions import seed_sessions
from jalon_dev.sms import PAGE_PORT as SMS_PORT
from jalon_dev.sms import DevSms
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo
from jalon_dev.surveys import seed_survey
from jalon_dev.visio import JOIN_EARLY, ReadyCall, ensure_ready_call
from jalon_shared.access import Role
from jalon_shared.auth import TokenIssuer, generate_key_pair
from jalon_shared.events.topics import PARTITIONS
from jalon_shared.events.vocabulary import CONSENT_TEXT_VERSION
from jalon_shared.messaging.broker import ensure_topics
from jalon_shared.settings import (
    DEV_PORTS,
    TOKEN_AUDIENCE,
    TOKEN_ISSUER,
    KafkaSettings,
    MongoSettings,
    dev_url,
)

ROOT = Path.cwd()
DATA = ROOT / ".data"
KAFKA_PORT = int(os.environ.get("JALON_DEV_KAFKA_PORT", "19092"))
MONGO_PORT = int(os.environ.get("JALON_DEV_MONGO_PORT", "27018"))


@dataclass(frozen=True)
class Service:
    """One process of the system."""

    module: str
    port: int


#: Backends first, the web front last (it calls them).
SERVICES = [Service(name, port) for name, port in DEV_PORTS.items() if name != "web"] + [
    Service("web", DEV_PORTS["web"])
]


def dev_keys(stem: str = "jwt") -> tuple[Path, Path]:
    """Return a dev JWT key pair's files, generating them on first run (never committed)."""
    keys = DATA / "keys"
    private, public = keys / f"{stem}_private.pem", keys / f"{stem}_public.pem"
    if not private.exists():
        keys.mkdir(parents=True, exist_ok=True)
        private_pem, public_pem = generate_key_pair()
        private.write_text(private_pem, encoding="utf-8")
        private.chmod(0o600)
        public.write_text(public_pem, encoding="utf-8")
    return private, public


def dev_secret(name: str) -> str:
    """Return a dev secret kept under .data/keys, generating it on first run (never committed)."""
    path = DATA / "keys" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def notification_env(mailbox: DevMailbox, sms: DevSms | None) -> dict[str, str]:
    """Return the appointment service's notification settings: the dev mailbox and SMS fake."""
    env = {
        "JALON_NOTIFICATIONS__SMTP_HOST": "127.0.0.1",
        "JALON_NOTIFICATIONS__SMTP_PORT": str(mailbox.smtp_port),
        "JALON_NOTIFICATIONS__WEB_URL": dev_url("web"),
        "JALON_NOTIFICATIONS__INTAKE_URL": dev_url("intake"),
        # Kept across runs, so the links in the dev mailbox still open after a restart.
        "JALON_NOTIFICATIONS__LINK_SECRET": dev_secret("link_secret"),
    }
    if sms is not None:
        env |= {
            "JALON_NOTIFICATIONS__SMS_URL": sms.send_url,
            **({"JALON_NOTIFICATIONS__SMS_API_KEY": sms.api_key} if sms.api_key else {}),
        }
    return env


def survey_env(mailbox: DevMailbox | None) -> dict[str, str]:
    """Return intake's survey settings: the follow-up's link signed for the web front, by mail."""
    env = {
        "JALON_SURVEYS__WEB_URL": dev_url("web"),
        # The web front's link pages verify appointment's and intake's links with this one.
        "JALON_SURVEYS__LINK_SECRET": dev_secret("link_secret"),
    }
    if mailbox is not None:
        # JALON_SURVEYS__FOLLOW_UP_DAYS=0 in make run's environment sends it at closing.
        env |= {
            "JALON_SURVEYS__SMTP_HOST": "127.0.0.1",
            "JALON_SURVEYS__SMTP_PORT": str(mailbox.smtp_port),
        }
    return env


def rooms_env(web_url: str | None = None, *, loopback_only: bool = False) -> dict[str, str]:
    """Return remote-session's room settings for a run on this one machine."""
    env = {
        # Kept across runs, like the link secret; tickets live two minutes anyway.
        "JALON_ROOMS__TICKET_SECRET": dev_secret("rooms_ticket_secret"),
        # Browsers open the signalling socket from the web front's pages.
        "JALON_ROOMS__ALLOWED_ORIGINS": json.dumps([web_url or dev_url("web")]),
        # The relay's media candidates are on loopback: the browser runs on this same machine,
        # and nothing a dev run starts talks off it (no STUN server either: the default one is
        # a public host).
        "JALON_ROOMS__MEDIA_HOST_ADDRESSES": json.dumps(["127.0.0.1"]),
        "JALON_ROOMS__STUN_URLS": "[]",
    }
    if loopback_only:
        # Tests and benchmarks also drop every candidate and check that is not on loopback.
        env["JALON_ROOMS__MEDIA_LOOPBACK_ONLY"] = "true"
    return env


def signalling_url(port: int = DEV_PORTS["remote_session"]) -> str:
    """Return the remote-session service's ws:// base URL, as the browser reaches it."""
    return f"ws://127.0.0.1:{port}"


def service_env(
    service: Service,
    kafka: EmbeddedKafka,
    mongo: EmbeddedMongo,
    public_key: Path,
    private_key: Path,
    mailbox: DevMailbox | None = None,
    sms: DevSms | None = None,
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
    if service.module != "web":
        # The services' own pair: every service admits service tokens, and signs its own.
        service_private, service_public = dev_keys("service")
        env |= {
            "JALON_AUTH__SERVICE_PUBLIC_KEY_FILE": str(service_public),
            "JALON_AUTH__SERVICE_PRIVATE_KEY_FILE": str(service_private),
        }
    if service.module == "document_signature":
        # The organisation's seal and the verifier's trust root: a dev PKI kept under .data/pki.
        pki = ensure_dev_pki(DATA / "pki")
        env |= {
            "JALON_SIGNING__KEY_FILE": str(pki.org_key),
            "JALON_SIGNING__CERT_FILE": str(pki.org_cert),
            "JALON_SIGNING__CHAIN_FILES": json.dumps([str(pki.ca_cert)]),
            "JALON_SIGNING__TRUST_ROOT_FILES": json.dumps([str(pki.ca_cert)]),
            # Kept across runs, so a code sent before a restart still signs after it.
            "JALON_DOCUMENTS__CODE_SECRET": dev_secret("code_secret"),
        }
        if mailbox is not None:
            env["JALON_DOCUMENTS__SMTP_PORT"] = str(mailbox.smtp_port)
    if service.module == "remote_session":
        env |= rooms_env()
        if mailbox is not None:
            # New-message notices go to the dev mailbox.
            env["JALON_THREADS__SMTP_PORT"] = str(mailbox.smtp_port)
    if service.module == "intake":
        env |= survey_env(mailbox)
    if service.module == "reporting":
        # Looks for a month to report every two minutes, so last month's report appears soon
        # after the demo history has been read (production checks hourly).
        env["JALON_REPORTS__SCHEDULE_INTERVAL_SECONDS"] = "120"
    if service.module == "appointment" and mailbox is not None:
        # Appointment notices (e-mail with invitations, SMS) go to the dev mailbox and SMS fake.
        env |= notification_env(mailbox, sms)
    if service.module == "web":
        env |= {
            "JALON_WEB__PRIVATE_KEY_FILE": str(private_key),
            # The link page verifies what appointment signs into its messages.
            "JALON_WEB__LINK_SECRET": dev_secret("link_secret"),
            # The room pages open the signalling socket on remote-session directly.
            "JALON_WEB__SIGNALLING_URL": signalling_url(),
            **{
                f"JALON_WEB__{s.module.upper()}_URL": dev_url(s.module)
                for s in SERVICES
                if s.module != "web"
            },
        }
        if mailbox is not None:
            # Sign-in codes go through the dev mailbox, like every email in dev.
            env |= {
                "JALON_WEB__SMTP_HOST": "127.0.0.1",
                "JALON_WEB__SMTP_PORT": str(mailbox.smtp_port),
                "JALON_WEB__DEV_MAILBOX_URL": mailbox.url,
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
    """Register the reference data, the demo counsellors and, once, the demo beneficiary's request."""
    service = {
        "Authorization": f"Bearer {issuer.mint('devrun', Role.SERVICE, ttl=timedelta(minutes=5))}"
    }
    async with httpx.AsyncClient(base_url=dev_url("intake"), timeout=10) as client:
        # Regions first: intake refuses counsellors and requests in places it does not know.
        for (code, label), sites in DEMO_REGIONS.items():
            response = await client.put(
                f"/reference/regions/{code}",
                json=region_body(label, sites),
                headers=service,
            )
            response.raise_for_status()
        for staff in demo_counsellors():
            response = await client.put(
                f"/counsellors/{staff.account_id}",
                json=staff.directory_entry(),
                headers=service,
            )
            response.raise_for_status()
        marker = DATA / "seeded-demo-beneficiary"
        if marker.exists():
            return
        token = issuer.mint(str(DEMO_BENEFICIARY_ID), Role.BENEFICIARY, ttl=timedelta(minutes=5))
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
                "consent": {"accepted": True, "text_version": CONSENT_TEXT_VERSION},
            },
            headers={"Authorization": f"Bearer {token}", "X-Correlation-ID": uuid.uuid4().hex},
        )
        response.raise_for_status()
        # Phone intakes entered by the region's counsellors: full caseloads and regional figures.
        for body in demo_phone_intakes():
            staff = next(s for s in demo_counsellors() if s.region == body["region"])
            response = await client.post("/requests", json=body, headers=staff_token(issuer, staff))
            response.raise_for_status()
        # A phone intake with Léa's email: a possible duplicate for her counsellor to review.
        flagged = {**demo_phone_intakes(1)[0], "email": DEMO_BENEFICIARY_EMAIL}
        flagged |= {"first_name": "Lea", "last_name": "Petit", "phone": None}
        response = await client.post(
            "/requests", json=flagged, headers=staff_token(issuer, first_of(Role.COUNSELLOR))
        )
        response.raise_for_status()
        marker.touch()


def staff_token(issuer: TokenIssuer, staff: DemoStaff) -> dict[str, str]:
    """Return a demo counsellor's header, for a phone intake."""
    token = issuer.mint(
        staff.account_id,
        Role.COUNSELLOR,
        region=staff.region,
        site=staff.site,
        ttl=timedelta(minutes=5),
    )
    return {"Authorization": f"Bearer {token}"}


async def seed_web(mongo: EmbeddedMongo) -> int:
    """Create the demo sign-in accounts with the web front's own seeding (demo data stays here)."""
    # Imported here: make run also works with only some services installed.
    from web.domain.accounts import BeneficiaryAccount
    from web.entrypoints.main import WebSettings
    from web.entrypoints.main import seed as seed_web_accounts

    settings = WebSettings(mongo=MongoSettings(uri=mongo.uri))
    beneficiary = BeneficiaryAccount(
        email=DEMO_BENEFICIARY_EMAIL, beneficiary_id=DEMO_BENEFICIARY_ID
    )
    return await seed_web_accounts(settings, DEMO_STAFF, [beneficiary], DEMO_PASSWORD)


def print_urls(
    issuer: TokenIssuer,
    services: list[Service],
    mailbox: DevMailbox,
    sms: DevSms,
    ready: ReadyCall | None = None,
) -> None:
    """Print where each persona starts, and the API of every service."""
    web = dev_url("web")
    counsellor, manager = first_of(Role.COUNSELLOR), first_of(Role.MANAGER)
    print("\nJalon is running on loopback. Ctrl-C stops everything.\n")
    if any(s.module == "web" for s in services):
        print("Personas (web front):")
        print(
            f"  Beneficiary         {web}/beneficiary   email {DEMO_BENEFICIARY_EMAIL} (code in the dev mailbox)"
        )
        print(
            f"  Counsellor          {web}/counsellor    id {counsellor.account_id}, password {DEMO_PASSWORD}"
        )
        print(
            f"  Regional manager    {web}/manager       id {manager.account_id}, password {DEMO_PASSWORD}"
        )
    if any(s.module == "remote_session" for s in services):
        # An ordinary Chromium offers no loopback candidate, but its own network address
        # reaches the relay's 127.0.0.1 one on this machine, so it connects without flags.
        print(
            "\nVisio: media stays on this machine (the relay offers 127.0.0.1 only): join from a"
            " browser here; if media does not connect, start Chromium with"
            " --allow-loopback-in-peer-connection"
        )
    if ready is not None:
        opens = (ready.starts_at - JOIN_EARLY).astimezone(PARIS).strftime("%H:%M")
        print(
            f"\nA video call to try: {ready}. Sign in as {DEMO_BENEFICIARY_EMAIL} and, in another"
            f' browser profile, as {ready.counsellor.account_id} / {DEMO_PASSWORD}: "Rejoindre"'
            f" is on both spaces from {opens} (Léa's {web}/beneficiary/appointments, the"
            f" counsellor's {web}/counsellor/agenda and Léa's case page)."
        )
    print(f"\nDev mailbox (every email sent in dev, sign-in codes included): {mailbox.url}")
    print(f"Dev SMS provider (every SMS sent in dev): {sms.url}")
    print("\nServices (OpenAPI at /docs, AsyncAPI at /asyncapi, health at /readyz):")
    for service in services:
        print(f"  {service.module:<20} http://127.0.0.1:{service.port}")
    token = issuer.mint(
        manager.account_id, Role.MANAGER, region=manager.region, ttl=timedelta(hours=12)
    )
    print("\nA 12-hour manager token for curl (python -m jalon_dev.token mints others):")
    print(
        f"  curl -H 'Authorization: Bearer {token}' {dev_url('reporting')}/regions/{manager.region}/dashboard"
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
        private_key.read_text(encoding="utf-8"), issuer=TOKEN_ISSUER, audience=TOKEN_AUDIENCE
    )
    mongo = EmbeddedMongo(
        port=MONGO_PORT, storage=str(DATA / "mongo"), log_path=logs / "secantus.log"
    )
    kafka = EmbeddedKafka(port=KAFKA_PORT, log_path=logs / "tansu.log")
    mailbox = DevMailbox(smtp_port=SMTP_PORT, page_port=PAGE_PORT)
    sms = DevSms(port=SMS_PORT)
    processes: list[tuple[Service, subprocess.Popen[bytes]]] = []
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        print("starting MongoDB (SecantusDB) and Kafka (Tansu)...")
        mongo.start()
        kafka.start()
        await mailbox.start()
        await sms.start()
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
                env=service_env(service, kafka, mongo, public_key, private_key, mailbox, sms),
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
            processes.append((service, process))
        async with httpx.AsyncClient(timeout=2) as client:
            for service, process in processes:
                await wait_ready(client, service, process)
                print(f"  {service.module} ready on :{service.port}")
        await seed(issuer)
        # First, so reporting has read the past weeks before its schedule reports last month.
        marker = DATA / "seeded-demo-history"
        if not marker.exists() and any(s.module == "reporting" for s in services):
            # Synthetic past weeks, written as the producers would have: reporting's charts,
            # trends and reports have history to show from the first start.
            regions = {
                code: [site for site, _ in sites] for (code, _), sites in DEMO_REGIONS.items()
            }
            count = await seed_history(mongo.uri, regions)
            marker.touch()
            print(f"  {count} events of {DEMO_WEEKS} past weeks queued for reporting")
        marker = DATA / "seeded-demo-survey"
        if not marker.exists():
            # Léa's case moves up a level: her space offers the ended level's survey.
            try:
                if await seed_survey(issuer):
                    marker.touch()
            except httpx.HTTPError as exc:
                print(f"  Léa's survey not offered ({type(exc).__name__}); see the logs")
        marker = DATA / "seeded-demo-appointments"
        if not marker.exists() and any(s.module == "appointment" for s in services):
            print("booking demo appointments...")
            try:
                print(f"  {await seed_appointments(issuer)} appointments booked")
                print(f"  {await seed_collective_sessions(issuer)} information meetings planned")
                marker.touch()
            except httpx.HTTPError as exc:
                # The stack is still usable without the demo bookings; the next start retries.
                print(f"  demo appointments not booked ({type(exc).__name__}); see the logs")
        ready: ReadyCall | None = None
        if all(any(s.module == m for s in services) for m in ("appointment", "remote_session")):
            # Not behind a marker: every start makes sure a call can be tried right away.
            try:
                ready = await ensure_ready_call(issuer)
                print(f"  {ready or 'no video appointment ready for Léa (no open case?)'}")
            except httpx.HTTPError as exc:
                # The stack is still usable without it; a video appointment can be booked by hand.
                print(f"  no video appointment ready for Léa ({type(exc).__name__}); see the logs")
        marker = DATA / "seeded-demo-documents"
        if not marker.exists() and any(s.module == "document_signature" for s in services):
            print("writing demo summaries...")
            try:
                print(f"  {await seed_documents(issuer)} summaries written")
                marker.touch()
            except httpx.HTTPError as exc:
                # The stack is still usable without the demo summaries; the next start retries.
                print(f"  demo summaries not written ({type(exc).__name__}); see the logs")
        marker = DATA / "seeded-demo-sessions"
        if not marker.exists() and any(s.module == "remote_session" for s in services):
            print("writing demo threads, tasks and calls...")
            try:
                print(f"  {await seed_sessions(issuer)}")
                marker.touch()
            except httpx.HTTPError as exc:
                # The stack is still usable without the demo exchanges; the next start retries.
                print(f"  demo threads not written ({type(exc).__name__}); see the logs")
        if any(s.module == "web" for s in services):
            await seed_web(mongo)
        print_urls(issuer, services, mailbox, sms, ready)
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
        await sms.stop()
        await mailbox.stop()
        kafka.stop()
        mongo.stop()
        print("stopped.")


def main() -> None:
    """Run the dev system."""
    asyncio.run(run())


if __name__ == "__main__":
    main()

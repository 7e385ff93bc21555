"""Real servers on loopback ports, the dev mailbox, and Debian's headless Chromium."""

from __future__ import annotations

import asyncio
import base64
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from appointment.entrypoints.main import AppointmentSettings
from appointment.entrypoints.main import build_app as build_appointment
from appointment.entrypoints.notifications import NotificationSettings
from document_signature.adapters.verify import PdfVerifier
from document_signature.entrypoints.main import DocumentSignatureSettings
from document_signature.entrypoints.main import build_app as build_documents
from document_signature.entrypoints.settings import DocumentsSettings, SigningSettings
from intake.entrypoints.main import build_app as build_intake
from jalon_dev.demo import (
    DEMO_BENEFICIARY_EMAIL,
    DEMO_BENEFICIARY_ID,
    DEMO_PASSWORD,
    DEMO_STAFF,
    demo_counsellors,
)
from jalon_dev.mailbox import DevMailbox
from jalon_dev.pki import ensure_dev_pki
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo, free_port
from jalon_shared.access import Role
from jalon_shared.events.topics import PARTITIONS
from jalon_shared.messaging.broker import ensure_topics
from jalon_shared.settings import KafkaSettings, ServiceSettings
from remote_session.entrypoints.main import RemoteSessionSettings
from remote_session.entrypoints.main import build_app as build_remote_session
from remote_session.entrypoints.settings import RoomsSettings, ThreadsSettings
from reporting.entrypoints.main import build_app as build_reporting
from tests.support import Keys, register_demo_regions, service_settings
from web.domain.accounts import BeneficiaryAccount
from web.entrypoints.main import RateLimitOptions, WebOptions, WebSettings
from web.entrypoints.main import build_app as build_web
from web.entrypoints.main import seed as seed_web

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: Screenshots for people to look at; outside the repository on purpose.
SHOTS = Path(tempfile.gettempdir()) / "jalon-shots"
WIDTHS = (1280, 390)
#: Shared by appointment, which signs the links in its messages, and the front, which opens them.
LINK_SECRET = "e2e-link-secret-" + "0" * 32
#: Signs the signalling tickets remote-session hands out through the web front.
ROOMS_TICKET_SECRET = "e2e-rooms-ticket-secret-" + "0" * 32


@dataclass
class WebStack:
    """Where the web front answers, the services behind it, and the mailbox."""

    base_url: str
    intake_url: str
    appointment_url: str
    mailbox: DevMailbox
    keys: Keys
    #: Checks seals against the stack's dev CA, as pyHanko's validator.
    verifier: PdfVerifier
    #: Remote-session's HTTP base URL; its signalling socket is the ws:// one on the same port.
    remote_session_url: str = ""
    #: Reporting's HTTP base URL, to wait until it has counted what a test published.
    reporting_url: str = ""


async def serve_app(app: FastAPI, port: int, stack: AsyncExitStack) -> None:
    """Serve an app on a loopback port until the stack closes."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    task = asyncio.create_task(server.serve())

    async def stop() -> None:
        server.should_exit = True
        await task

    stack.push_async_callback(stop)
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)


@pytest.fixture(scope="session")
async def e2e_kafka() -> AsyncIterator[EmbeddedKafka]:
    """Run a broker of its own, so these services' consumer groups meet no twin."""
    broker = EmbeddedKafka()
    broker.start()
    await ensure_topics(KafkaSettings(bootstrap_servers=broker.bootstrap), PARTITIONS)
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
async def web_stack(
    e2e_kafka: EmbeddedKafka, mongo: EmbeddedMongo, keys: Keys, dev_mailbox: DevMailbox
) -> AsyncIterator[WebStack]:
    """Run intake, reporting and the web front as real HTTP servers, mail to the mailbox."""
    kafka = e2e_kafka
    ports = {
        "intake": free_port(),
        "reporting": free_port(),
        "appointment": free_port(),
        "document_signature": free_port(),
        "remote_session": free_port(),
        "web": free_port(),
    }
    web_url = f"http://127.0.0.1:{ports['web']}"

    def settings(name: str) -> ServiceSettings:
        return service_settings(name, kafka=kafka.bootstrap, mongo_uri=mongo.uri, keys=keys)

    base = settings("web")
    web_settings = WebSettings(
        **base.model_dump(exclude={"service_name"}),
        service_name="web",
        web=WebOptions(
            private_key_pem=keys.private_pem,
            intake_url=f"http://127.0.0.1:{ports['intake']}",
            reporting_url=f"http://127.0.0.1:{ports['reporting']}",
            appointment_url=f"http://127.0.0.1:{ports['appointment']}",
            smtp_port=dev_mailbox.smtp_port,
            dev_mailbox_url=dev_mailbox.url,
            # Every test signs in from 127.0.0.1: the per-address limits are not under test.
            rate_limits=RateLimitOptions(password_per_address=200, code_per_address=200),
            link_secret=SecretStr(LINK_SECRET),
            document_signature_url=f"http://127.0.0.1:{ports['document_signature']}",
            remote_session_url=f"http://127.0.0.1:{ports['remote_session']}",
            # The room pages open the signalling socket on remote-session directly.
            signalling_url=f"ws://127.0.0.1:{ports['remote_session']}",
        ),
    )
    pki = ensure_dev_pki(Path(tempfile.mkdtemp(prefix="jalon-e2e-pki-")))
    lea = BeneficiaryAccount(email=DEMO_BENEFICIARY_EMAIL, beneficiary_id=DEMO_BENEFICIARY_ID)
    await seed_web(web_settings, DEMO_STAFF, [lea], DEMO_PASSWORD)
    async with AsyncExitStack() as stack:
        await serve_app(build_intake(settings("intake")), ports["intake"], stack)
        await serve_app(build_reporting(settings("reporting")), ports["reporting"], stack)
        appointment_settings = AppointmentSettings(
            **settings("appointment").model_dump(),
            notifications=NotificationSettings(
                smtp_port=dev_mailbox.smtp_port,
                intake_url=f"http://127.0.0.1:{ports['intake']}",
                web_url=f"http://127.0.0.1:{ports['web']}",
                poll_interval_ms=200,
                link_secret=SecretStr(LINK_SECRET),
            ),
        )
        await serve_app(build_appointment(appointment_settings), ports["appointment"], stack)
        documents_settings = DocumentSignatureSettings(
            **settings("document_signature").model_dump(),
            signing=SigningSettings(
                key_file=pki.org_key,
                cert_file=pki.org_cert,
                chain_files=[pki.ca_cert],
                trust_root_files=[pki.ca_cert],
            ),
            documents=DocumentsSettings(
                smtp_port=dev_mailbox.smtp_port,
                intake_url=f"http://127.0.0.1:{ports['intake']}",
                web_url=f"http://127.0.0.1:{ports['web']}",
                code_secret=SecretStr("e2e-code-secret-" + "0" * 32),
            ),
        )
        await serve_app(build_documents(documents_settings), ports["document_signature"], stack)
        remote_settings = RemoteSessionSettings(
            **settings("remote_session").model_dump(),
            threads=ThreadsSettings(
                smtp_port=dev_mailbox.smtp_port,
                intake_url=f"http://127.0.0.1:{ports['intake']}",
                web_url=web_url,
            ),
            rooms=RoomsSettings.model_validate(
                {
                    "ticket_secret": ROOMS_TICKET_SECRET,
                    "allowed_origins": [web_url],
                    # Media never leaves loopback: no STUN (the default is a public host),
                    # candidates on 127.0.0.1 only, anything else dropped both ways.
                    "stun_urls": [],
                    "media_host_addresses": ["127.0.0.1"],
                    "media_loopback_only": True,
                }
            ),
        )
        await serve_app(build_remote_session(remote_settings), ports["remote_session"], stack)
        await serve_app(build_web(web_settings), ports["web"], stack)
        yield WebStack(
            web_url,
            f"http://127.0.0.1:{ports['intake']}",
            f"http://127.0.0.1:{ports['appointment']}",
            dev_mailbox,
            keys,
            PdfVerifier.from_files([pki.ca_cert]),
            f"http://127.0.0.1:{ports['remote_session']}",
            reporting_url=f"http://127.0.0.1:{ports['reporting']}",
        )


@pytest.fixture(scope="session")
async def intake_reference(web_stack: WebStack) -> WebStack:
    """Give intake the demo regions, sites and counsellors, as `make run` does (contract routes)."""
    service = web_stack.keys.issuer().mint("e2e-seed", Role.SERVICE, ttl=timedelta(minutes=5))
    async with httpx.AsyncClient(base_url=web_stack.intake_url, timeout=10) as http:
        await register_demo_regions(http, web_stack.keys)
        for staff in demo_counsellors():
            answer = await http.put(
                f"/counsellors/{staff.account_id}",
                json=staff.directory_entry(),
                headers={"Authorization": f"Bearer {service}"},
            )
            assert answer.status_code == 200, answer.text
    return web_stack


#: Room pages: a fake camera and microphone, granted without a prompt, and media kept on loopback
#: (Chromium offers no loopback candidate otherwise, hides addresses behind mDNS names, and may
#: resolve names off the machine). Only for room tests: `localhost` no longer resolves with them.
ROOM_FLAGS = (
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
)


@contextmanager
def chromium(*extra_flags: str) -> Iterator[webdriver.Chrome]:
    """Start Debian's Chromium headless, with any extra flags; never a downloaded browser."""
    if shutil.which(CHROMIUM) is None or shutil.which(CHROMEDRIVER) is None:
        pytest.fail("Debian chromium and chromium-driver are required: make install-browser")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="jalon-chromium-")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--lang=fr-FR",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
        *extra_flags,
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    # Form posts navigate asynchronously; lookups wait for the next page instead of racing it.
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    """One headless Chromium for a test."""
    with chromium() as driver:
        yield driver


def shoot(driver: webdriver.Chrome, name: str) -> list[Path]:
    """Save the whole current page at each width under SHOTS, for a person to look at."""
    SHOTS.mkdir(exist_ok=True)
    saved: list[Path] = []
    for width in WIDTHS:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
        )
        metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        height = int(metrics["cssContentSize"]["height"])
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 8000), "scale": 1},
            },
        )
        path = SHOTS / f"{name}-{width}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        saved.append(path)
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return saved

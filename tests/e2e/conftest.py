"""Real servers on loopback ports and Debian's headless Chromium, for the pages."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import pytest
import uvicorn
from fastapi import FastAPI
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from intake.entrypoints.main import build_app as build_intake
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo, free_port
from jalon_shared.events.topics import PARTITIONS
from jalon_shared.messaging.broker import ensure_topics
from jalon_shared.settings import KafkaSettings, ServiceSettings
from reporting.entrypoints.main import build_app as build_reporting
from tests.support import Keys, service_settings
from web.entrypoints.main import WebOptions, WebSettings
from web.entrypoints.main import build_app as build_web

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@dataclass
class WebStack:
    """Where the web front answers, and the services behind it."""

    base_url: str
    intake_url: str


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
    e2e_kafka: EmbeddedKafka, mongo: EmbeddedMongo, keys: Keys
) -> AsyncIterator[WebStack]:
    """Run intake, reporting and the web front as real HTTP servers."""
    kafka = e2e_kafka
    ports = {"intake": free_port(), "reporting": free_port(), "web": free_port()}

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
            smtp_port=free_port(),  # nothing listens: sending fails and is only logged
            dev_show_codes=True,
            seed_demo=True,
        ),
    )
    async with AsyncExitStack() as stack:
        await serve_app(build_intake(settings("intake")), ports["intake"], stack)
        await serve_app(build_reporting(settings("reporting")), ports["reporting"], stack)
        await serve_app(build_web(web_settings), ports["web"], stack)
        yield WebStack(f"http://127.0.0.1:{ports['web']}", f"http://127.0.0.1:{ports['intake']}")


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    """Start Debian's Chromium headless; never a downloaded browser."""
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
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    # Form posts navigate asynchronously; lookups wait for the next page instead of racing it.
    driver.implicitly_wait(5)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)

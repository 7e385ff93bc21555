"""Session fixtures: the embedded Kafka (Tansu) and MongoDB (SecantusDB), started once."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from jalon_dev.mailbox import DevMailbox
from jalon_dev.sms import DevSms
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo, free_port
from jalon_shared.events.topics import PARTITIONS
from jalon_shared.messaging.broker import ensure_topics
from jalon_shared.settings import KafkaSettings
from tests.support import Keys

LOG_DIR = Path(os.environ.get("JALON_TEST_LOGS", tempfile.gettempdir())) / "jalon-test-logs"


@pytest.fixture(scope="session")
def keys() -> Keys:
    """Return the session's token signing keys."""
    return Keys.generate()


@pytest.fixture(scope="session")
def mongo() -> Iterator[EmbeddedMongo]:
    """Run SecantusDB in memory for the whole session."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    server = EmbeddedMongo(log_path=LOG_DIR / "secantus.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def kafka() -> AsyncIterator[EmbeddedKafka]:
    """Run Tansu for the whole session, with every topic created."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    broker = EmbeddedKafka(log_path=LOG_DIR / "tansu.log")
    broker.start()
    await ensure_topics(KafkaSettings(bootstrap_servers=broker.bootstrap), PARTITIONS)
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
async def dev_mailbox() -> AsyncIterator[DevMailbox]:
    """Run the dev mailbox (SMTP sink and its page) on free loopback ports."""
    mailbox = DevMailbox(smtp_port=free_port(), page_port=free_port())
    await mailbox.start()
    yield mailbox
    await mailbox.stop()


@pytest.fixture(scope="session")
async def dev_sms() -> AsyncIterator[DevSms]:
    """Run the dev SMS provider (the fake gateway and its page) on a free loopback port."""
    sms = DevSms(port=free_port())
    await sms.start()
    yield sms
    await sms.stop()

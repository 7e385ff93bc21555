"""Intake and reporting running in-process on the embedded stack, once per session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from intake.entrypoints.main import build_app as build_intake
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo
from jalon_shared.mongo import Client, Database, create_client
from jalon_shared.settings import ServiceSettings
from reporting.entrypoints.main import build_app as build_reporting
from tests.support import Keys, register_demo_regions, running, service_settings


@dataclass
class RunningService:
    """A service app running in-process, with a client and its database."""

    http: httpx.AsyncClient
    settings: ServiceSettings
    db: Database


@pytest.fixture(scope="session")
async def mongo_client(mongo: EmbeddedMongo) -> AsyncIterator[Client]:
    """Return a client for test assertions on the services' databases."""
    settings = service_settings("probe", kafka="", mongo_uri=mongo.uri, keys=Keys.generate())
    client = create_client(settings.mongo)
    yield client
    await client.close()


@asynccontextmanager
async def run_service(
    name: str,
    build: Callable[[ServiceSettings], FastAPI],
    kafka: EmbeddedKafka,
    mongo: EmbeddedMongo,
    keys: Keys,
    mongo_client: Client,
) -> AsyncIterator[RunningService]:
    """Run one service app in-process on the embedded stack."""
    settings = service_settings(name, kafka=kafka.bootstrap, mongo_uri=mongo.uri, keys=keys)
    async with running(build(settings)) as http:
        yield RunningService(http, settings, mongo_client[settings.database_name()])


@pytest.fixture(scope="session")
async def intake(
    kafka: EmbeddedKafka, mongo: EmbeddedMongo, keys: Keys, mongo_client: Client
) -> AsyncIterator[RunningService]:
    """Run intake for the session, with the demo regions and sites registered."""
    async with run_service("intake", build_intake, kafka, mongo, keys, mongo_client) as service:
        await register_demo_regions(service.http, keys)
        yield service


@pytest.fixture(scope="session")
async def reporting(
    kafka: EmbeddedKafka, mongo: EmbeddedMongo, keys: Keys, mongo_client: Client
) -> AsyncIterator[RunningService]:
    """Run reporting for the session."""
    async with run_service(
        "reporting", build_reporting, kafka, mongo, keys, mongo_client
    ) as service:
        yield service

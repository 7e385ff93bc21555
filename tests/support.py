"""Helpers shared by the test suites: tokens, settings and running apps in-process."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from jalon_dev.demo import DEMO_REGIONS, region_body
from jalon_shared.access import Role
from jalon_shared.auth import TokenIssuer, generate_key_pair
from jalon_shared.settings import (
    TOKEN_AUDIENCE,
    TOKEN_ISSUER,
    AuthSettings,
    ConsumerSettings,
    KafkaSettings,
    MongoSettings,
    OutboxSettings,
    ServiceSettings,
)

ISSUER = TOKEN_ISSUER
AUDIENCE = TOKEN_AUDIENCE


@dataclass(frozen=True)
class Keys:
    """A test signing key pair and an issuer on it."""

    private_pem: str
    public_pem: str
    #: The services' own pair, for service-to-service tokens.
    service_private_pem: str
    service_public_pem: str

    @classmethod
    def generate(cls) -> Keys:
        """Generate fresh pairs."""
        private, public = generate_key_pair()
        service_private, service_public = generate_key_pair()
        return cls(private, public, service_private, service_public)

    def issuer(self) -> TokenIssuer:
        """Return an issuer signing with the private key."""
        return TokenIssuer(self.private_pem, issuer=ISSUER, audience=AUDIENCE)

    def headers(
        self, sub: str, role: Role, region: str | None = None, site: str | None = None
    ) -> dict[str, str]:
        """Return an Authorization header for the identity."""
        token = self.issuer().mint(sub, role, region=region, site=site)
        return {"Authorization": f"Bearer {token}"}


def service_settings(
    service: str, *, kafka: str, mongo_uri: str, keys: Keys, database: str | None = None
) -> ServiceSettings:
    """Return settings for an in-process service on the embedded stack."""
    return ServiceSettings(
        service_name=service,
        log_format="console",
        kafka=KafkaSettings(
            bootstrap_servers=kafka,
            session_timeout_ms=2_000,
            heartbeat_interval_ms=500,
            request_timeout_ms=5_000,
        ),
        mongo=MongoSettings(
            uri=mongo_uri, database=database or f"t_{service}_{uuid.uuid4().hex[:8]}"
        ),
        auth=AuthSettings(
            public_key_pem=keys.public_pem,
            issuer=ISSUER,
            audience=AUDIENCE,
            service_public_key_pem=keys.service_public_pem,
            service_private_key_pem=keys.service_private_pem,
        ),
        outbox=OutboxSettings(poll_interval_ms=100),
        consumer=ConsumerSettings(max_attempts=3, retry_backoff_ms=20),
    )


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and yield a client talking to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def eventually(
    check: Callable[[], Awaitable[Any]], *, timeout: float = 20.0, interval: float = 0.05
) -> Any:
    """Poll check until it returns a truthy value; fail after timeout."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


def intake_payload(**overrides: Any) -> dict[str, Any]:
    """Return a valid intake request body."""
    body: dict[str, Any] = {
        "first_name": "Camille",
        "last_name": "Martin",
        "email": f"camille.{uuid.uuid4().hex[:10]}@example.org",
        "phone": None,
        "preferred_channel": "email",
        "employment_situation": "employed",
        "csp": "employe",
        "region": "bretagne",
        "site": "rennes",
        "need": "Je souhaite changer de métier.",
        "topics": ["reconversion"],
        "modalities": ["video", "phone"],
        "availability": "mardi matin",
        "accessibility": [],
        "service_level": "accueil_individualise",
        "consent": {"accepted": True, "text_version": "2026-01"},
    }
    body.update(overrides)
    return body


#: Sites every test region gets, so tests name places as the demo regions do.
TEST_SITES = ("rennes", "brest", "caen")


async def register_region(
    http: httpx.AsyncClient,
    keys: Keys,
    code: str,
    sites: tuple[str, ...] = TEST_SITES,
    *,
    base_url: str = "",
) -> None:
    """Register a region and its sites in intake, with a service token, as operators do."""
    body = region_body(code.title(), tuple((site, site.title()) for site in sites))
    response = await http.put(
        f"{base_url}/reference/regions/{code}", json=body, headers=keys.headers("ops", Role.SERVICE)
    )
    assert response.status_code == 200, response.text


async def register_demo_regions(http: httpx.AsyncClient, keys: Keys, *, base_url: str = "") -> None:
    """Register the regions `make run` seeds (bretagne, normandie and their sites) in intake."""
    for (code, label), sites in DEMO_REGIONS.items():
        response = await http.put(
            f"{base_url}/reference/regions/{code}",
            json=region_body(label, sites),
            headers=keys.headers("ops", Role.SERVICE),
        )
        assert response.status_code == 200, response.text


async def reported(db: Any, region: str, metric: str) -> int:
    """Return a metric's total over a region's months in reporting's active read model."""
    meta = await db["read_model_meta"].find_one({"_id": "generation"}) or {"active": 1}
    total = 0
    async for doc in db[f"g{meta['active']}_counters"].find({"region": region, "kind": "m"}):
        for cell in doc.get("cells", {}).values():
            total += int(cell.get("n", {}).get(metric, 0))
    return total

"""Reporting's routes, CSV and rebuild, over the in-memory read model."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from jalon_dev.history import generate
from jalon_shared.access import Role
from jalon_shared.auth import ServiceTokens, TokenVerifier
from jalon_shared.events.envelope import Event
from jalon_shared.http import install_common
from reporting.application.rebuild_read_model import rebuild_read_model
from reporting.domain.memory import MemoryReadModel, nonzero_leaves
from reporting.entrypoints.http import build_router
from reporting.entrypoints.rebuild_command import rebuild
from tests.support import AUDIENCE, ISSUER, Keys

HISTORY = generate(
    regions={"bretagne": ["rennes", "brest"], "normandie": ["caen"]},
    start=datetime(2026, 8, 1, tzinfo=UTC),
    days=100,
    cases_per_day=4,
    until=datetime(2026, 11, 20, tzinfo=UTC),
)


class Memory:
    """CounterReader and ReadModelAdmin over a MemoryReadModel."""

    def __init__(self, model: MemoryReadModel) -> None:
        self.model = model
        self.rebuilds = 0

    async def documents(
        self, region: str, kind: str, keys: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        return self.model.documents(region, kind, keys)

    async def state(self) -> dict[str, Any]:
        return {"active": 1, "building": None}

    async def rebuilding(self) -> bool:
        return False

    async def region_labels(self, region: str) -> tuple[str, dict[str, str]]:
        return "Bretagne", {"rennes": "Rennes", "brest": "Brest"}


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys.generate()


@pytest.fixture
async def http(keys: Keys) -> AsyncIterator[httpx.AsyncClient]:
    model = MemoryReadModel()
    model.apply_all(HISTORY.ordered())
    memory = Memory(model)

    async def rebuild() -> None:
        memory.rebuilds += 1

    app = FastAPI()
    install_common(app, json_api=True)
    app.state.token_verifier = TokenVerifier(
        keys.public_pem,
        issuer=ISSUER,
        audience=AUDIENCE,
        service_public_key_pem=keys.service_public_pem,
    )
    app.include_router(build_router(memory, memory, rebuild))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_a_manager_reads_their_region_with_filters_and_never_another(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    manager = keys.headers("m", Role.MANAGER, region="bretagne")
    whole = await http.get("/regions/bretagne/dashboard?at=2026-10", headers=manager)
    assert whole.status_code == 200, whole.text
    body = whole.json()
    assert body["period"]["label"] == "octobre 2026"
    assert body["previous"]["key"] == "2026-09"
    assert len(body["series"][0]["points"]) == 12
    figures = {i["code"]: i["current"]["value"] for i in body["indicators"]}
    rennes = await http.get(
        "/regions/bretagne/dashboard?at=2026-10&site=rennes&modality=video", headers=manager
    )
    narrowed = {i["code"]: i for i in rennes.json()["indicators"]}
    assert narrowed["requests"]["current"]["value"] < figures["requests"]
    # A request has no modality: the modality filter does not apply to it, and it says so.
    assert narrowed["requests"]["ignores"] == ["modality"]
    stranger = keys.headers("m2", Role.MANAGER, region="normandie")
    assert (await http.get("/regions/bretagne/dashboard", headers=stranger)).status_code == 403
    counsellor = keys.headers("c", Role.COUNSELLOR, region="bretagne")
    assert (await http.get("/regions/bretagne/dashboard", headers=counsellor)).status_code == 403
    assert (await http.get("/regions/bretagne/dashboard")).status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=week&at=2026-11", "at"),
        ("at=2026-13", "at"),
        ("period=year", "period"),
        ("site=Rennes%20Centre", "site"),
        ("modality=hologram", "modality"),
        ("csp=astronaut", "csp"),
        ("level=3", "level"),
    ],
)
async def test_bad_filters_get_a_422_naming_the_field_without_the_value(
    http: httpx.AsyncClient, keys: Keys, query: str, field: str
) -> None:
    manager = keys.headers("m", Role.MANAGER, region="bretagne")
    answer = await http.get(f"/regions/bretagne/dashboard?{query}", headers=manager)
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    value = query.split("=")[-1]
    assert value not in answer.text


async def test_the_csv_is_the_funder_shape_with_hidden_cells_left_empty(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    manager = keys.headers("m", Role.MANAGER, region="bretagne")
    answer = await http.get(
        "/regions/bretagne/export.csv?period=quarter&at=2026-Q4&site=brest", headers=manager
    )
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == (
        'attachment; filename="jalon-activite-bretagne-2026-Q4.csv"'
    )
    text = answer.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert rows[0]["periode"] == "2026-Q4"
    assert {r["lieu"] for r in rows} == {"Brest"}
    hidden = [r for r in rows if r["masque"] == "oui"]
    assert hidden
    assert all(r["valeur"] == "" for r in hidden)
    # Every count of people is 0 or at least 5; meetings held count meetings, not people.
    shown = [
        r
        for r in rows
        if r["masque"] == "non"
        and r["unite"] == "count"
        and r["valeur"]
        and r["indicateur"] != "collective_held"
    ]
    assert all(int(r["valeur"]) == 0 or int(r["valeur"]) >= 5 for r in shown)
    tables = {r["tableau"] for r in rows}
    assert {"indicateurs", "by_site", "by_modality", "closures_by_reason"} <= tables


async def test_only_an_operator_starts_a_rebuild(http: httpx.AsyncClient, keys: Keys) -> None:
    manager = keys.headers("m", Role.MANAGER, region="bretagne")
    assert (await http.post("/admin/read-model/rebuild", headers=manager)).status_code == 403
    operator = keys.headers("ops", Role.SERVICE)
    answer = await http.post("/admin/read-model/rebuild", headers=operator)
    assert answer.status_code == 202
    assert (await http.get("/admin/read-model", headers=operator)).json()["active"] == 1


class Source:
    """A producer's history in pages."""

    def __init__(self, name: str, events: list[Event]) -> None:
        self.name = name
        self._events = events

    async def page(self, cursor: str | None, limit: int) -> tuple[list[Event], str | None]:
        start = int(cursor or 0)
        chunk = self._events[start : start + limit]
        following = start + limit
        return chunk, (str(following) if following < len(self._events) else None)


class Target:
    """A fresh in-memory generation."""

    def __init__(self) -> None:
        self.model = MemoryReadModel()
        self.finished = False
        self.abandoned: str | None = None

    async def apply(self, events: Sequence[Event]) -> int:
        return self.model.apply(events)

    async def progress(self, read: int, applied: int, source: str) -> None:
        return None

    async def finish(self, seconds: float) -> None:
        self.finished = True

    async def abandon(self, reason: str) -> None:
        self.abandoned = reason


async def test_a_rebuild_from_the_producers_history_gives_the_live_counters() -> None:
    live = MemoryReadModel()
    live.apply_all(HISTORY.ordered(), batch=37)
    target = Target()
    sources = [Source(name, events) for name, events in HISTORY.by_producer.items()]
    report = await rebuild_read_model(sources, target, batch=200)
    assert target.finished
    assert report.read == report.applied == HISTORY.count()
    assert nonzero_leaves(target.model.counters.values()) == nonzero_leaves(live.counters.values())


async def test_a_failing_source_abandons_the_new_generation() -> None:
    class Broken(Source):
        async def page(self, cursor: str | None, limit: int) -> tuple[list[Event], str | None]:
            raise ConnectionError

    target = Target()
    with pytest.raises(ConnectionError):
        await rebuild_read_model([Broken("intake", [])], target)
    assert target.abandoned == "ConnectionError"
    assert not target.finished


def test_the_rebuild_command_follows_progress_until_the_new_generation_is_read(
    keys: Keys, capsys: pytest.CaptureFixture[str]
) -> None:
    states = iter(
        [
            {"active": 1, "building": 2, "rebuild": {"status": "running", "read": 10}},
            {
                "active": 2,
                "building": None,
                "rebuild": {"status": "done", "read": 20, "applied": 20, "seconds": 1.5},
            },
        ]
    )
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        assert request.headers["authorization"].startswith("Bearer ")
        if request.method == "POST":
            return httpx.Response(202, json={"active": 1, "building": 2})
        return httpx.Response(200, json=next(states))

    tokens = ServiceTokens(keys.service_private_pem, service="operator", audience=AUDIENCE)
    code = rebuild("http://reporting", tokens, poll=0, transport=httpx.MockTransport(answer))
    assert code == 0
    assert seen == [
        "POST /admin/read-model/rebuild",
        "GET /admin/read-model",
        "GET /admin/read-model",
    ]
    assert "generation 2 is read" in capsys.readouterr().out

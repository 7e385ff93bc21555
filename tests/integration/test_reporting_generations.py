"""Generations on the embedded MongoDB: replicas claiming a rebuild at once, a claim left behind."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from jalon_shared.mongo import Client
from reporting.adapters.mongo import STALL_AFTER, ClaimLostError, ReadModelStore


def store_on(mongo_client: Client) -> ReadModelStore:
    """Return a read-model store on a database of its own."""
    return ReadModelStore(mongo_client, mongo_client[f"rpt-gen-{uuid.uuid4().hex[:8]}"])


async def test_replicas_claiming_together_get_one_rebuild_and_never_empty_it(
    mongo_client: Client,
) -> None:
    # Each replica is its own store object on the same database, as after a rolling restart.
    database = store_on(mongo_client).database
    replicas = [ReadModelStore(mongo_client, database) for _ in range(4)]
    await replicas[0].ensure_indexes()
    claims = await asyncio.gather(*(r.begin_rebuild() for r in replicas))
    won = [g for g in claims if g is not None]
    assert len(won) == 1
    state = await replicas[0].state()
    assert state["building"] == won[0].number > state["active"]
    # The losers prepared numbers of their own and dropped those: the winner's indexes stand.
    indexes = [i["key"] async for i in await won[0].appointments.list_indexes()]
    assert {"case_id": 1} in [dict(k) for k in indexes]
    # Numbers are handed out once each, whatever the concurrency.
    numbers = await asyncio.gather(*(r._allocate(1) for r in replicas))
    assert len(set(numbers)) == len(numbers)
    assert min(numbers) > won[0].number
    await won[0].counters.insert_one({"_id": "w:2026-W47:bretagne", "cells": {}})
    assert await asyncio.gather(*(r.begin_rebuild() for r in replicas)) == [None] * 4
    assert await won[0].counters.count_documents({}) == 1
    assert await replicas[1].rebuilding()
    await mongo_client.drop_database(database.name)


async def test_a_claim_whose_process_died_is_taken_over_after_the_stall_delay(
    mongo_client: Client,
) -> None:
    store = store_on(mongo_client)
    await store.ensure_indexes()
    started = datetime.now(UTC)
    dead = await store.begin_rebuild(started)
    assert dead is not None
    await dead.counters.insert_one({"_id": "half-built", "cells": {}})

    assert await store.begin_rebuild(started + STALL_AFTER - timedelta(seconds=1)) is None
    assert await store.rebuilding(started + STALL_AFTER - timedelta(seconds=1))
    later = started + STALL_AFTER + timedelta(seconds=1)
    assert not await store.rebuilding(later)
    taken = await store.begin_rebuild(later)

    assert taken is not None
    assert taken.number > dead.number
    assert "half-built" not in [d["_id"] async for d in dead.counters.find({})]
    state = await store.state()
    assert state["building"] == taken.number
    assert state["rebuild"]["status"] == "running"
    # The process was only slow: its progress stops it and does not overwrite the new claim's.
    await store.progress(taken, 40, 40, "intake")
    with pytest.raises(ClaimLostError):
        await store.progress(dead, 500, 500, "appointment")
    assert (await store.state())["rebuild"]["read"] == 40
    # Finishing late neither switches nor drops what is read.
    with pytest.raises(ClaimLostError):
        await store.finish_rebuild(dead, seconds=700.0)
    assert (await store.state())["building"] == taken.number
    await taken.counters.insert_one({"_id": "rebuilt", "cells": {}})
    await store.finish_rebuild(taken, seconds=1.0)
    assert (await store.state())["active"] == taken.number
    assert await taken.counters.count_documents({}) == 1
    await mongo_client.drop_database(store.database.name)

"""Benchmark the first slice: HTTP POST to intake until reporting's read model has the request."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid
from typing import Any

import httpx

from bench.stack import embedded_stack, percentile, register_region
from jalon_shared.access import Role
from jalon_shared.mongo import Collection

REQUESTS = int(os.environ.get("JALON_BENCH_REQUESTS", "2000"))
CONCURRENCY = int(os.environ.get("JALON_BENCH_CONCURRENCY", "32"))
LATENCY_REQUESTS = 200


def body(region: str, i: int) -> dict[str, Any]:
    """Return a valid intake request."""
    return {
        "first_name": "Bench",
        "last_name": "Mark",
        "email": f"bench.{i}.{uuid.uuid4().hex[:6]}@example.org",
        "employment_situation": "employed",
        "csp": ("cadre", "employe", "ouvrier")[i % 3],
        "region": region,
        "site": ("rennes", "brest")[i % 2],
        "topics": ["reconversion"],
        "modalities": ["video"],
        "consent": {"accepted": True, "text_version": "2026-01"},
    }


async def phase(
    http: httpx.AsyncClient,
    facts: Collection,
    url: str,
    headers: dict[str, str],
    region: str,
    requests: int,
    concurrency: int,
    first: int,
) -> dict[str, float]:
    """POST requests and time each until reporting's read model holds it."""
    arrivals: dict[str, float] = {}
    stream = await facts.watch([{"$match": {"operationType": {"$in": ["insert", "update"]}}}])
    sent: dict[str, float] = {}

    async def watch() -> None:
        async for change in stream:
            arrivals.setdefault(str(change["documentKey"]["_id"]), time.perf_counter())
            if len(sent) == requests and sent.keys() <= arrivals.keys():
                return

    watcher = asyncio.create_task(watch())
    http_latency: list[float] = []
    semaphore = asyncio.Semaphore(concurrency)

    async def post(i: int) -> None:
        async with semaphore:
            start = time.perf_counter()
            response = await http.post(url, json=body(region, i), headers=headers)
            http_latency.append(time.perf_counter() - start)
            response.raise_for_status()
            sent[response.json()["request_id"]] = start

    began = time.perf_counter()
    await asyncio.gather(*(post(first + i) for i in range(requests)))
    posted = time.perf_counter()
    await asyncio.wait_for(watcher, timeout=300)
    finished = time.perf_counter()
    await stream.close()
    end_to_end = [arrivals[rid] - start for rid, start in sent.items()]
    e2e_p50 = percentile(end_to_end, 50) * 1000
    http_p50 = percentile(http_latency, 50) * 1000
    return {
        "requests": float(requests),
        "concurrency": float(concurrency),
        "http_requests_per_s": requests / (posted - began),
        "events_per_s_end_to_end": requests / (finished - began),
        "http_p50_ms": http_p50,
        "http_p99_ms": percentile(http_latency, 99) * 1000,
        "end_to_end_p50_ms": e2e_p50,
        "end_to_end_p99_ms": percentile(end_to_end, 99) * 1000,
        "end_to_end_mean_ms": statistics.fmean(end_to_end) * 1000,
        "ratio_e2e_p50_to_http_p50": e2e_p50 / http_p50,
    }


async def run() -> dict[str, float]:
    """Run the slice benchmark on a private embedded stack and return its figures."""
    async with (
        embedded_stack(["intake", "reporting"]) as stack,
        httpx.AsyncClient(timeout=30) as http,
    ):
        region = "bench"
        manager = stack.headers("bench", Role.MANAGER, region=region)
        await register_region(http, stack, region)
        # Four counsellors of capacity 1,000 take every case of both phases.
        for cid, site in (("r1", "rennes"), ("r2", "rennes"), ("b1", "brest"), ("b2", "brest")):
            response = await http.put(
                stack.url("intake", f"/counsellors/c-{cid}"),
                json={
                    "display_name": f"Bench {cid}",
                    "region": region,
                    "site": site,
                    "capacity": 1000,
                },
                headers=manager,
            )
            response.raise_for_status()
        facts = stack.mongo["jalon_reporting"]["request_facts"]
        url = stack.url("intake", "/requests")
        # One request at a time shows the path's own latency; a loaded run its throughput.
        unloaded = await phase(http, facts, url, manager, region, LATENCY_REQUESTS, 1, 0)
        loaded = await phase(
            http, facts, url, manager, region, REQUESTS, CONCURRENCY, LATENCY_REQUESTS
        )
    figures = {f"unloaded_{k}": v for k, v in unloaded.items()}
    figures |= {f"loaded_{k}": v for k, v in loaded.items()}
    figures["ratio_loaded_to_unloaded_e2e_p50"] = (
        loaded["end_to_end_p50_ms"] / unloaded["end_to_end_p50_ms"]
    )
    return figures

"""Benchmark the first slice: HTTP POST to intake until reporting's read model has the request."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid
from typing import Any

import httpx

from bench.raw import minimal_write_rate
from bench.stack import command_counts, embedded_stack, percentile, register_region
from jalon_shared.access import Role
from jalon_shared.mongo import Collection

REQUESTS = int(os.environ.get("JALON_BENCH_REQUESTS", "2000"))
RAW_TRANSACTIONS = int(os.environ.get("JALON_BENCH_RAW_TRANSACTIONS", "1000"))
SERVICES = ["intake", "reporting"]
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
            # Reporting keeps a case's categories under the case id: its arrival marks the end.
            sent[response.json()["case_id"]] = start

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


def per_request(
    before: dict[str, dict[str, int]], after: dict[str, dict[str, int]], requests: int
) -> dict[str, float]:
    """Return the commands each accepted request cost, in total, by service and by command."""
    figures: dict[str, float] = {}
    total = 0
    for service, counts in after.items():
        spent = {k: v - before[service].get(k, 0) for k, v in counts.items()}
        spent = {k: v for k, v in spent.items() if v > 0}
        service_total = sum(spent.values())
        total += service_total
        figures[f"commands_per_request_{service}"] = service_total / requests
        for command, n in sorted(spent.items(), key=lambda kv: -kv[1]):
            figures[f"  {service}: {command}"] = n / requests
    return {"commands_per_request": total / requests, **figures}


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
        facts = stack.mongo["jalon_reporting"]["g1_cases"]
        url = stack.url("intake", "/requests")
        # One request at a time shows the path's own latency; a loaded run its throughput.
        unloaded = await phase(http, facts, url, manager, region, LATENCY_REQUESTS, 1, 0)
        before = await command_counts(http, stack, SERVICES)
        loaded = await phase(
            http, facts, url, manager, region, REQUESTS, CONCURRENCY, LATENCY_REQUESTS
        )
        # Let the relay's last mark-sent and any trailing consumer commits land before counting.
        await asyncio.sleep(2)
        after = await command_counts(http, stack, SERVICES)
        # The same server in the same state: the bench's own change stream stays open, since
        # the server does more work per write while one is open.
        async with await facts.watch():
            raw = await minimal_write_rate(
                stack.mongo, "jalon_intake", transactions=RAW_TRANSACTIONS, concurrency=CONCURRENCY
            )
    figures = {f"unloaded_{k}": v for k, v in unloaded.items()}
    figures |= {f"loaded_{k}": v for k, v in loaded.items()}
    figures["ratio_loaded_to_unloaded_e2e_p50"] = (
        loaded["end_to_end_p50_ms"] / unloaded["end_to_end_p50_ms"]
    )
    figures["raw_write_transactions_per_s"] = raw["transactions_per_s"]
    figures["ratio_slice_to_raw_rate"] = (
        loaded["events_per_s_end_to_end"] / raw["transactions_per_s"]
    )
    figures |= per_request(before, after, REQUESTS)
    return figures

"""Benchmark the first slice: HTTP POST to intake until reporting's read model has the request."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from jalon_shared.auth import Role, TokenIssuer, generate_key_pair
from jalon_shared.devrun import Service, service_env
from jalon_shared.devstack import EmbeddedKafka, EmbeddedMongo, free_port
from jalon_shared.events.topics import PARTITIONS
from jalon_shared.messaging.broker import ensure_topics
from jalon_shared.mongo import Collection, create_client
from jalon_shared.settings import KafkaSettings, MongoSettings

# Two counsellors of capacity 1,000 take every case of the run.
REQUESTS = min(2000, int(os.environ.get("JALON_BENCH_REQUESTS", "2000")))
CONCURRENCY = int(os.environ.get("JALON_BENCH_CONCURRENCY", "32"))
LATENCY_REQUESTS = 200


def percentile(values: list[float], p: float) -> float:
    """Return the p-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


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
    work = Path(tempfile.mkdtemp(prefix="jalon-bench-"))
    private_pem, public_pem = generate_key_pair()
    (work / "private.pem").write_text(private_pem, encoding="utf-8")
    (work / "public.pem").write_text(public_pem, encoding="utf-8")
    issuer = TokenIssuer(private_pem, issuer="jalon-web", audience="jalon")
    mongo = EmbeddedMongo(log_path=work / "secantus.log")
    kafka = EmbeddedKafka(log_path=work / "tansu.log")
    processes: list[subprocess.Popen[bytes]] = []
    mongo.start()
    kafka.start()
    client = create_client(MongoSettings(uri=mongo.uri))
    try:
        await ensure_topics(KafkaSettings(bootstrap_servers=kafka.bootstrap), PARTITIONS)
        intake, reporting = Service("intake", free_port()), Service("reporting", free_port())
        for service in (intake, reporting):
            env = service_env(service, kafka, mongo, work / "public.pem", work / "private.pem")
            env["JALON_LOG_LEVEL"] = "WARNING"
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", service.module],
                    env=env,
                    stdout=(work / f"{service.module}.log").open("ab"),
                    stderr=subprocess.STDOUT,
                )
            )
        async with httpx.AsyncClient(timeout=30) as http:
            for service in (intake, reporting):
                deadline = time.monotonic() + 60
                while True:
                    try:
                        if (await http.get(f"http://127.0.0.1:{service.port}/readyz")).is_success:
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{service.module} not ready")
                    await asyncio.sleep(0.2)
            region = "bench"
            manager = issuer.mint("bench", Role.MANAGER, region=region)
            for site, n in (("rennes", 1), ("brest", 1)):
                response = await http.put(
                    f"http://127.0.0.1:{intake.port}/counsellors/c-{site}-{n}",
                    json={
                        "counsellor_id": f"c-{site}-{n}",
                        "region": region,
                        "site": site,
                        "capacity": 1000,
                    },
                    headers={"Authorization": f"Bearer {manager}"},
                )
                response.raise_for_status()

            facts = client["jalon_reporting"]["request_facts"]
            token = issuer.mint("bench", Role.MANAGER, region=region)
            headers = {"Authorization": f"Bearer {token}"}
            url = f"http://127.0.0.1:{intake.port}/requests"
            # One request at a time shows the path's own latency; a loaded run its throughput.
            unloaded = await phase(http, facts, url, headers, region, LATENCY_REQUESTS, 1, 0)
            loaded = await phase(
                http, facts, url, headers, region, REQUESTS, CONCURRENCY, LATENCY_REQUESTS
            )
        figures = {f"unloaded_{k}": v for k, v in unloaded.items()}
        figures |= {f"loaded_{k}": v for k, v in loaded.items()}
        figures["ratio_loaded_to_unloaded_e2e_p50"] = (
            loaded["end_to_end_p50_ms"] / unloaded["end_to_end_p50_ms"]
        )
        return figures
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
        await client.close()
        kafka.stop()
        mongo.stop()

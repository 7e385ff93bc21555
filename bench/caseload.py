"""Benchmark a counsellor's caseload query with 500 cases, over HTTP on the embedded MongoDB."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx

from bench.stack import command_counts, embedded_stack, percentile, register_region
from jalon_shared.access import Role

CASES = 500
CALLS = 200
REGION = "caseload"
COUNSELLOR = "c-bench"


async def seed(http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> None:
    """Open 500 cases for the one counsellor through intake's API."""
    semaphore = asyncio.Semaphore(8)

    async def one(i: int) -> None:
        async with semaphore:
            response = await http.post(
                url,
                json={
                    "first_name": "Bench",
                    "last_name": f"Case{i}",
                    "email": f"caseload.{i}.{uuid.uuid4().hex[:6]}@example.org",
                    "employment_situation": "employed",
                    "csp": "employe",
                    "region": REGION,
                    "site": "rennes",
                    "consent": {"accepted": True, "text_version": "2026-01"},
                },
                headers=headers,
            )
            response.raise_for_status()

    await asyncio.gather(*(one(i) for i in range(CASES)))


async def timed(http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> list[float]:
    """Call the URL CALLS times, one after the other, and return each latency."""
    latencies: list[float] = []
    for _ in range(CALLS):
        start = time.perf_counter()
        response = await http.get(url, headers=headers)
        latencies.append(time.perf_counter() - start)
        response.raise_for_status()
    return latencies


async def run() -> dict[str, float]:
    """Seed the caseload, then time the first page, a sorted page and the alerts."""
    async with embedded_stack(["intake"]) as stack, httpx.AsyncClient(timeout=30) as http:
        manager = stack.headers("bench", Role.MANAGER, region=REGION)
        await register_region(http, stack, REGION)
        response = await http.put(
            stack.url("intake", f"/counsellors/{COUNSELLOR}"),
            json={
                "display_name": "Bench Counsellor",
                "region": REGION,
                "site": "rennes",
                "capacity": 1000,
            },
            headers=manager,
        )
        response.raise_for_status()
        began = time.perf_counter()
        await seed(http, stack.url("intake", "/requests"), manager)
        seeded = time.perf_counter() - began
        me = stack.headers(COUNSELLOR, Role.COUNSELLOR, region=REGION)
        owned = await stack.mongo["jalon_intake"]["cases"].count_documents(
            {"counsellor_id": COUNSELLOR}
        )
        if owned != CASES:
            raise RuntimeError(f"the counsellor owns {owned} cases, not {CASES}")
        figures: dict[str, float] = {"cases": float(CASES), "seed_cases_per_s": CASES / seeded}
        for name, path in (
            ("first_page_50", "/caseload"),
            ("sorted_by_last_contact_50", "/caseload?sort=last_contact_at&order=asc"),
            ("status_filter_50", "/caseload?status=opened&offset=200"),
            ("alerts", "/caseload/alerts"),
        ):
            before = await command_counts(http, stack, ["intake"])
            latencies = await timed(http, stack.url("intake", path), me)
            after = await command_counts(http, stack, ["intake"])
            figures[f"{name}_p50_ms"] = percentile(latencies, 50) * 1000
            figures[f"{name}_p95_ms"] = percentile(latencies, 95) * 1000
            spent = sum(after["intake"].values()) - sum(before["intake"].values())
            figures[f"{name}_commands_per_call"] = spent / CALLS
        figures["ratio_first_page_p95_to_50ms_target"] = figures["first_page_50_p95_ms"] / 50
        return figures

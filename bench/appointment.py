"""Benchmark free-slot search and booking on the appointment service over the embedded stack.

One counsellor with a plan open 08:00-20:00 every day gets 1,000 bookings (timed one by one),
then 200 searches of their free slots over 90 days. Baselines from the same run: the same
search computed in-process (the domain alone), and one transaction writing what a booking
writes, straight to the same MongoDB.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import httpx
from bson import ObjectId

from appointment.adapters.mongo import plan_from_doc
from appointment.domain.availability import AppointmentKind, Busy, free_slots
from bench.stack import Stack, command_counts, embedded_stack, percentile, register_region
from jalon_shared.access import Role
from jalon_shared.mongo import in_transaction

PARIS = ZoneInfo("Europe/Paris")
REGION = "rdv"
COUNSELLOR = "c-rdv"
BOOKINGS = 1_000
SEARCHES = 200
DAYS = 90
PLAN = {
    "time_zone": "Europe/Paris",
    "windows": [
        {"weekday": d, "start": "08:00", "end": "20:00", "place": "remote"} for d in range(7)
    ],
    "rules": {
        "follow_up_minutes": 45,
        "buffer_after_minutes": 15,
        "notice_hours": 0,
        "horizon_days": 120,
    },
    "exceptions": [],
}


async def open_case(http: httpx.AsyncClient, stack: Stack) -> uuid.UUID:
    """Open one case for the counsellor through intake, and wait for appointment to know it."""
    manager = stack.headers("bench", Role.MANAGER, region=REGION)
    await register_region(http, stack, REGION)
    (
        await http.put(
            stack.url("intake", f"/counsellors/{COUNSELLOR}"),
            json={"display_name": "Rdv", "region": REGION, "site": "rennes", "capacity": 10},
            headers=manager,
        )
    ).raise_for_status()
    answer = await http.post(
        stack.url("intake", "/requests"),
        json={
            "first_name": "Bench",
            "last_name": "Rdv",
            "email": f"rdv.{uuid.uuid4().hex[:6]}@example.org",
            "employment_situation": "employed",
            "csp": "employe",
            "region": REGION,
            "site": "rennes",
            "consent": {"accepted": True, "text_version": "2026-01"},
        },
        headers=manager,
    )
    answer.raise_for_status()
    case_id = uuid.UUID(answer.json()["case_id"])
    me = stack.headers(COUNSELLOR, Role.COUNSELLOR, region=REGION)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        probe = await http.get(
            stack.url("appointment", f"/cases/{case_id}/appointments"), headers=me
        )
        if probe.status_code == 200:
            return case_id
        await asyncio.sleep(0.2)
    raise TimeoutError("appointment never learnt of the case")


def starts(first_day: date) -> list[datetime]:
    """Return 1,000 starts on the hour, 08:00 to 19:00, from the first day on."""
    found: list[datetime] = []
    day = first_day
    while len(found) < BOOKINGS:
        found += [datetime.combine(day, clock(hour, 0), tzinfo=PARIS) for hour in range(8, 20)]
        day += timedelta(days=1)
    return found[:BOOKINGS]


async def raw_booking_p50(stack: Stack) -> float:
    """Time one transaction writing a booking's documents (4 cells, the appointment, an event,
    3 notices), 200 times, straight to the same server."""
    database = stack.mongo["bench_raw_booking"]
    latencies: list[float] = []
    for _ in range(200):
        key = uuid.uuid4()

        async def work(session: object, key: uuid.UUID = key) -> None:
            await database["cells"].insert_many(
                [{"_id": f"{key}|{i}", "appointment_id": key} for i in range(4)],
                session=session,  # type: ignore[arg-type]
            )
            await database["appointments"].insert_one(
                {"_id": key, "status": "booked", "starts_at": datetime.now(UTC)},
                session=session,  # type: ignore[arg-type]
            )
            await database["outbox"].insert_many(
                [{"_id": ObjectId(), "event_id": str(key), "payload": "{}"}],
                session=session,  # type: ignore[arg-type]
            )
            await database["notifications"].insert_many(
                [{"_id": f"{key}:{i}", "status": "pending"} for i in range(3)],
                session=session,  # type: ignore[arg-type]
            )

        began = time.perf_counter()
        await in_transaction(stack.mongo, work)
        latencies.append(time.perf_counter() - began)
    await stack.mongo.drop_database("bench_raw_booking")
    return percentile(latencies, 50)


async def notices_drained(stack: Stack, timeout: float = 300) -> float:
    """Wait until the confirmations the bookings queued are sent; return the seconds waited.

    Searches are timed on a service at rest: the dispatcher sending a thousand e-mails is the
    booking's cost, measured above, not the search's.
    """
    notifications = stack.mongo["jalon_appointment"]["notifications"]
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        due = {"status": {"$in": ["pending", "sending"]}, "due_at": {"$lte": datetime.now(UTC)}}
        if await notifications.count_documents(due) == 0:
            return time.monotonic() - began
        await asyncio.sleep(1)
    raise TimeoutError("the booking confirmations were never sent")


async def run() -> dict[str, float]:
    """Book 1,000 appointments one by one, then search free slots over 90 days."""
    async with (
        embedded_stack(["intake", "appointment"]) as stack,
        httpx.AsyncClient(timeout=30) as http,
    ):
        case_id = await open_case(http, stack)
        me = stack.headers(COUNSELLOR, Role.COUNSELLOR, region=REGION)
        (
            await http.put(stack.url("appointment", "/me/availability"), json=PLAN, headers=me)
        ).raise_for_status()
        first_day = (datetime.now(PARIS) + timedelta(days=1)).date()
        booking_url = stack.url("appointment", f"/cases/{case_id}/appointments")
        before = await command_counts(http, stack, ["appointment"])
        latencies: list[float] = []
        for start in starts(first_day):
            began = time.perf_counter()
            answer = await http.post(
                booking_url,
                json={"modality": "video", "kind": "follow_up", "starts_at": start.isoformat()},
                headers=me,
            )
            latencies.append(time.perf_counter() - began)
            if answer.status_code != 201:
                raise RuntimeError(f"booking refused: {answer.status_code} {answer.text}")
        after = await command_counts(http, stack, ["appointment"])
        booking_commands = (
            sum(after["appointment"].values()) - sum(before["appointment"].values())
        ) / BOOKINGS
        drained = await notices_drained(stack)
        search_url = stack.url("appointment", f"/cases/{case_id}/slots")
        params = {
            "modality": "video",
            "kind": "follow_up",
            "from": datetime.combine(first_day, clock(0), tzinfo=PARIS).isoformat(),
            "days": str(DAYS),
        }
        searches: list[float] = []
        count = 0
        before = await command_counts(http, stack, ["appointment"])
        for _ in range(SEARCHES):
            began = time.perf_counter()
            answer = await http.get(search_url, params=params, headers=me)
            searches.append(time.perf_counter() - began)
            answer.raise_for_status()
            count = len(answer.json()["slots"])
        after = await command_counts(http, stack, ["appointment"])
        search_commands = (
            sum(after["appointment"].values()) - sum(before["appointment"].values())
        ) / SEARCHES
        # The same search in-process: what the HTTP route adds on top of the domain.
        plan_doc = await stack.mongo["jalon_appointment"]["plans"].find_one({"_id": COUNSELLOR})
        busy = [
            Busy(d["starts_at"], d["ends_at"])
            async for d in stack.mongo["jalon_appointment"]["appointments"].find(
                {"counsellor_id": COUNSELLOR}
            )
        ]
        plan = plan_from_doc(plan_doc or {})
        now = datetime.now(UTC)
        domain: list[float] = []
        for _ in range(SEARCHES):
            began = time.perf_counter()
            free_slots(
                plan,
                busy,
                kind=AppointmentKind.FOLLOW_UP,
                now=now,
                until=now + timedelta(days=DAYS),
            )
            domain.append(time.perf_counter() - began)
        raw_p50 = await raw_booking_p50(stack)
        booking_p50 = percentile(latencies, 50)
        return {
            "bookings": float(BOOKINGS),
            "booking_p50_ms": booking_p50 * 1000,
            "booking_p99_ms": percentile(latencies, 99) * 1000,
            "booking_commands_per_call": booking_commands,
            "raw_booking_transaction_p50_ms": raw_p50 * 1000,
            "ratio_booking_p50_to_raw_transaction": booking_p50 / raw_p50,
            "seconds_to_send_1000_confirmations_after_the_last_booking": drained,
            "free_slots_found_90_days": float(count),
            "free_slot_search_90d_p50_ms": percentile(searches, 50) * 1000,
            "free_slot_search_90d_p95_ms": percentile(searches, 95) * 1000,
            "free_slot_search_commands_per_call": search_commands,
            "free_slot_domain_only_p95_ms": percentile(domain, 95) * 1000,
            "ratio_search_p95_to_30ms_target": percentile(searches, 95) * 1000 / 30,
        }

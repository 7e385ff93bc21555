"""Demo appointments for `make run`: every counsellor's plan, and bookings across their caseload."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from jalon_dev.demo import (
    DEMO_BENEFICIARY_ID,
    DEMO_REGIONS,
    DEMO_STAFF,
    DemoStaff,
    demo_counsellors,
)
from jalon_shared.access import Role
from jalon_shared.auth import TokenIssuer
from jalon_shared.settings import dev_url

#: Modalities the demo bookings cycle through, all of equal standing.
MODALITIES = ("video", "face_to_face", "phone", "video", "face_to_face", "asynchronous")
BOOKED_PER_COUNSELLOR = 8
PARIS = ZoneInfo("Europe/Paris")
#: Each region's information meetings: title, partner, modality, days ahead, start, length, seats.
DEMO_SESSIONS = (
    (
        "Découvrir le conseil en évolution professionnelle",
        None,
        "face_to_face",
        8,
        time(14),
        120,
        12,
    ),
    (
        "Financer sa formation : CPF et Transitions Pro",
        "Transitions Pro",
        "video",
        12,
        time(10),
        90,
        20,
    ),
)


def demo_plan(site: str) -> dict[str, Any]:
    """Return a working week: mornings at the counsellor's site, afternoons remote."""
    windows = [
        window
        for day in range(5)
        for window in (
            {"weekday": day, "start": "09:00", "end": "12:30", "place": site},
            {"weekday": day, "start": "14:00", "end": "18:00", "place": "remote"},
        )
    ]
    return {
        "time_zone": "Europe/Paris",
        "windows": windows,
        "rules": {"notice_hours": 24, "horizon_days": 60, "buffer_after_minutes": 15},
        "exceptions": [],
    }


def headers(issuer: TokenIssuer, sub: str, role: Role, region: str | None = None) -> dict[str, str]:
    """Return a short-lived bearer header."""
    token = issuer.mint(sub, role, region=region, ttl=timedelta(minutes=10))
    return {"Authorization": f"Bearer {token}"}


async def case_ids(http: httpx.AsyncClient, staff: DemoStaff, issuer: TokenIssuer) -> list[str]:
    """Return the counsellor's open cases, from intake's caseload."""
    answer = await http.get(
        f"{dev_url('intake')}/caseload",
        params={"limit": 50},
        headers=headers(issuer, staff.account_id, Role.COUNSELLOR, staff.region),
    )
    answer.raise_for_status()
    body = answer.json()
    items = body["items"] if isinstance(body, dict) else body
    return [str(item["case_id"]) for item in items]


async def book_one(
    http: httpx.AsyncClient, case_id: str, modality: str, who: dict[str, str], skip: int
) -> bool:
    """Book the case into a free slot of its counsellor (waiting for the directory copy)."""
    base = dev_url("appointment")
    kind = "first_meeting" if skip % 3 == 0 else "follow_up"
    for _ in range(40):
        if modality == "asynchronous":
            found = await http.get(
                f"{base}/cases/{case_id}/slots",
                params={"modality": "video", "kind": kind},
                headers=who,
            )
            if found.status_code == 200 and found.json()["slots"]:
                due = found.json()["slots"][min(skip, len(found.json()["slots"]) - 1)]
                body = {"modality": modality, "kind": kind, "starts_at": due["starts_at"]}
                answer = await http.post(
                    f"{base}/cases/{case_id}/appointments", json=body, headers=who
                )
                return answer.status_code == 201
        else:
            found = await http.get(
                f"{base}/cases/{case_id}/slots",
                params={"modality": modality, "kind": kind, "days": 21},
                headers=who,
            )
            if found.status_code not in (200, 404):
                return False
            if found.status_code == 200:
                slots = found.json()["slots"]
                if not slots:
                    return False
                # Spread the demo bookings over the three weeks rather than the first morning.
                slot = slots[(skip * 7) % len(slots)]
                answer = await http.post(
                    f"{base}/cases/{case_id}/appointments",
                    json={"modality": modality, "kind": kind, "starts_at": slot["starts_at"]},
                    headers=who,
                )
                if answer.status_code == 201:
                    return True
                if answer.status_code != 409:
                    return False
                continue
        # 404 while the case has not reached appointment's directory copy yet.
        await asyncio.sleep(0.5)
    return False


async def seed_appointments(issuer: TokenIssuer) -> int:
    """Publish every demo counsellor's plan and book across their caseloads; return bookings."""
    booked = 0
    async with httpx.AsyncClient(timeout=15) as http:
        for staff in demo_counsellors():
            who = headers(issuer, staff.account_id, Role.COUNSELLOR, staff.region)
            # The sites reach the appointment service's directory copy through Kafka: a plan
            # naming a site it does not know yet is refused (422) until they do.
            for _ in range(60):
                answer = await http.put(
                    f"{dev_url('appointment')}/me/availability",
                    json=demo_plan(staff.site or "remote"),
                    headers=who,
                )
                if answer.status_code != 422:
                    break
                await asyncio.sleep(0.5)
            answer.raise_for_status()
        for staff in demo_counsellors():
            who = headers(issuer, staff.account_id, Role.COUNSELLOR, staff.region)
            cases = await case_ids(http, staff, issuer)
            for skip, (case_id, modality) in enumerate(
                zip(cases[:BOOKED_PER_COUNSELLOR], itertools.cycle(MODALITIES), strict=False)
            ):
                booked += await book_one(http, case_id, modality, who, skip)
        # Léa, the demo beneficiary, books a video follow-up and a meeting at Rennes herself.
        lea = headers(issuer, str(DEMO_BENEFICIARY_ID), Role.BENEFICIARY)
        mine = await http.get(f"{dev_url('intake')}/me/export", headers=lea)
        if mine.status_code == 200:
            for case in mine.json().get("cases", [])[:1]:
                for n, modality in enumerate(("video", "face_to_face")):
                    booked += await book_one(http, str(case["case_id"]), modality, lea, n + 3)
    return booked


def paris_at(days_ahead: int, at: time) -> datetime:
    """Return a Paris wall-clock time some days from today, moved off the weekend."""
    day = datetime.now(PARIS).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, at, tzinfo=PARIS)


async def seed_collective_sessions(issuer: TokenIssuer) -> int:
    """Plan each region's information meetings and register Léa to the first; return them."""
    planned = 0
    base = dev_url("appointment")
    async with httpx.AsyncClient(timeout=15) as http:
        for staff in (s for s in DEMO_STAFF if s.role is Role.MANAGER):
            who = headers(issuer, staff.account_id, Role.MANAGER, staff.region)
            sites = next(s for (code, _), s in DEMO_REGIONS.items() if code == staff.region)
            for title, partner, modality, days, at, minutes, seats in DEMO_SESSIONS:
                starts = paris_at(days, at)
                body = {
                    "title": title,
                    "partner": partner,
                    "modality": modality,
                    "site": sites[0][0] if modality == "face_to_face" else None,
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(minutes=minutes)).isoformat(),
                    "capacity": seats,
                }
                answer = await http.post(f"{base}/collective-sessions", json=body, headers=who)
                answer.raise_for_status()
                planned += 1
                if staff.region == "bretagne" and modality == "face_to_face":
                    session_id = answer.json()["session_id"]
                    lea = headers(issuer, str(DEMO_BENEFICIARY_ID), Role.BENEFICIARY)
                    await http.post(
                        f"{base}/collective-sessions/{session_id}/registration", headers=lea
                    )
    return planned

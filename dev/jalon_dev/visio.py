"""A video call ready to join after `make run`: Léa's next video appointment, whatever the hour."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from jalon_dev.appointments import PARIS, headers
from jalon_dev.demo import DEMO_BENEFICIARY_ID, DemoStaff, demo_counsellors
from jalon_shared.access import Role
from jalon_shared.auth import TokenIssuer
from jalon_shared.settings import dev_url

#: A room opens this long before its appointment starts (remote-session's default policy).
JOIN_EARLY = timedelta(minutes=15)
#: And closes this long after it ends, unless a call is still live.
JOIN_LATE = timedelta(minutes=60)
#: How long the extra remote opening lasts when the counsellor's plan has nothing free now.
EXTRA_OPENING = timedelta(hours=2)
STEP = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class ReadyCall:
    """Léa's video appointment that can be joined now or shortly, and with whom."""

    appointment_id: str
    starts_at: datetime
    counsellor: DemoStaff
    booked: bool

    def __str__(self) -> str:
        """Return a one-line account for run.py's output."""
        local = self.starts_at.astimezone(PARIS).strftime("%H:%M")
        what = "booked" if self.booked else "already booked"
        return f"Léa's video appointment at {local} with {self.counsellor.display_name} ({what})"


def still_joinable(appointment: dict[str, Any], now: datetime) -> bool:
    """Return whether a booked video appointment's room has not closed yet."""
    if appointment["modality"] != "video" or appointment["status"] != "booked":
        return False
    return now < datetime.fromisoformat(appointment["ends_at"]) + JOIN_LATE


def opens_soon(starts_at: datetime, now: datetime) -> bool:
    """Return whether a room starting then is open now or opens within 15 minutes."""
    return starts_at - JOIN_EARLY <= now + STEP


async def room_usable(http: httpx.AsyncClient, appointment_id: str, who: dict[str, str]) -> bool:
    """Return whether the appointment's room has not ended (a room not made yet counts)."""
    # The room comes from the booking event: a fresh booking may not have reached it yet.
    answer = await http.get(
        f"{dev_url('remote_session')}/rooms/by-appointment/{appointment_id}", headers=who
    )
    if answer.status_code == 404:
        return True
    answer.raise_for_status()
    return str(answer.json()["status"]) not in ("ended", "cancelled")


async def free_slots(
    http: httpx.AsyncClient, case_id: str, who: dict[str, str], now: datetime
) -> list[dict[str, Any]]:
    """Return the counsellor's free video slots of the next two hours, earliest first."""
    answer = await http.get(
        f"{dev_url('appointment')}/cases/{case_id}/slots",
        params={
            "modality": "video",
            "kind": "follow_up",
            "from": now.isoformat(),
            # The search cuts openings at its end, so it reaches past a slot's whole length.
            "to": (now + EXTRA_OPENING).isoformat(),
        },
        headers=who,
    )
    answer.raise_for_status()
    return sorted(answer.json()["slots"], key=lambda s: str(s["starts_at"]))


def starts_soon(slot: dict[str, Any], now: datetime) -> bool:
    """Return whether a slot starts within 15 minutes, so its room is open already."""
    return datetime.fromisoformat(slot["starts_at"]) <= now + STEP


async def open_now(http: httpx.AsyncClient, who: dict[str, str], now: datetime) -> None:
    """Add an extra remote opening from this quarter hour on to the counsellor's plan."""
    url = f"{dev_url('appointment')}/me/availability"
    answer = await http.get(url, headers=who)
    answer.raise_for_status()
    plan: dict[str, Any] = answer.json()
    start = now.astimezone(UTC).replace(second=0, microsecond=0)
    start -= timedelta(minutes=start.minute % 15)
    # Each run adds one opening: those already over are dropped so the list stays short
    # (a plan holds at most 200 exceptions); leave and future openings are kept as they are.
    kept = [
        e
        for e in plan["exceptions"]
        if e["kind"] != "extra" or datetime.fromisoformat(e["ends_at"]) > now
    ]
    if any(
        e["kind"] == "extra"
        and e["place"] == "remote"
        and datetime.fromisoformat(e["starts_at"]) <= start
        and datetime.fromisoformat(e["ends_at"]) >= start + timedelta(hours=1)
        for e in kept
    ):
        # An earlier run's opening still covers the next hour: a second one would add nothing.
        return
    extra = {
        "kind": "extra",
        "starts_at": start.isoformat(),
        "ends_at": (start + EXTRA_OPENING).isoformat(),
        "place": "remote",
    }
    # A counsellor booking is not bound by the plan's minimum notice, so the rules stay as
    # they are: Léa still books herself a day ahead.
    answer = await http.put(url, json={**plan, "exceptions": [*kept, extra]}, headers=who)
    answer.raise_for_status()


async def wait_for_room(http: httpx.AsyncClient, appointment_id: str, who: dict[str, str]) -> None:
    """Wait a little for remote-session to open the room from the booking event."""
    url = f"{dev_url('remote_session')}/rooms/by-appointment/{appointment_id}"
    for _ in range(40):
        if (await http.get(url, headers=who)).status_code == 200:
            return
        await asyncio.sleep(0.5)


async def ensure_ready_call(issuer: TokenIssuer) -> ReadyCall | None:
    """Book Léa a video appointment with her counsellor starting within 15 minutes, if needed."""
    now = datetime.now(UTC)
    lea = headers(issuer, str(DEMO_BENEFICIARY_ID), Role.BENEFICIARY)
    async with httpx.AsyncClient(timeout=15) as http:
        mine = await http.get(f"{dev_url('appointment')}/me/appointments", headers=lea)
        mine.raise_for_status()
        staff = {s.account_id: s for s in demo_counsellors()}
        # Léa's video appointments whose room has not closed, earliest first.
        ahead: list[ReadyCall] = []
        for appointment in sorted(mine.json(), key=lambda a: str(a["starts_at"])):
            appointment_id = str(appointment["appointment_id"])
            if (
                still_joinable(appointment, now)
                and appointment["counsellor_id"] in staff
                and await room_usable(http, appointment_id, lea)
            ):
                ahead.append(
                    ReadyCall(
                        appointment_id,
                        datetime.fromisoformat(appointment["starts_at"]),
                        staff[appointment["counsellor_id"]],
                        booked=False,
                    )
                )
        if ahead and opens_soon(ahead[0].starts_at, now):
            return ahead[0]
        export = await http.get(f"{dev_url('intake')}/me/export", headers=lea)
        export.raise_for_status()
        cases = [c for c in export.json().get("cases", []) if c.get("status") != "closed"]
        if not cases:
            return None
        case_id = str(cases[0]["case_id"])
        # Léa's own search names her counsellor; the plan and the booking are theirs to make.
        found = await http.get(
            f"{dev_url('appointment')}/cases/{case_id}/slots",
            params={"modality": "video", "days": 1},
            headers=lea,
        )
        found.raise_for_status()
        counsellor = staff.get(str(found.json()["counsellor_id"]))
        if counsellor is None:
            return None
        who = headers(issuer, counsellor.account_id, Role.COUNSELLOR, counsellor.region)
        slots = await free_slots(http, case_id, who, now)
        if not any(starts_soon(s, now) for s in slots):
            await open_now(http, who, now)
            slots = await free_slots(http, case_id, who, now)
        # The counsellor may be in another meeting now: then the call is their next free slot,
        # unless Léa already has one as early (a restart in that meeting books no second one).
        for slot in slots:
            if ahead and ahead[0].starts_at <= datetime.fromisoformat(slot["starts_at"]):
                return ahead[0]
            booked = await http.post(
                f"{dev_url('appointment')}/cases/{case_id}/appointments",
                json={"modality": "video", "kind": "follow_up", "starts_at": slot["starts_at"]},
                headers=who,
            )
            # A slot the search offers can still be refused: an appointment held before its
            # planned end keeps its time taken though the search no longer counts it.
            if booked.status_code == 409:
                continue
            booked.raise_for_status()
            appointment_id = str(booked.json()["appointment_id"])
            await wait_for_room(http, appointment_id, lea)
            return ReadyCall(
                appointment_id, datetime.fromisoformat(slot["starts_at"]), counsellor, booked=True
            )
        return ahead[0] if ahead else None

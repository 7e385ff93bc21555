"""A video appointment held in two headless Chromiums: Léa waits in the lobby, her counsellor
lets her in, both see and hear each other through the relay, drop to audio only, she reloads
and is back without the lobby, and the counsellor ends it: session.ended measures the session
and the appointment is held."""

from __future__ import annotations

import asyncio
import json
import math
import struct
import time
import uuid
import wave
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from selenium import webdriver
from selenium.webdriver.common.by import By

from jalon_dev.demo import DEMO_BENEFICIARY_EMAIL, DEMO_BENEFICIARY_ID
from jalon_dev.stack import EmbeddedKafka
from jalon_shared.access import Role
from jalon_shared.events import topics
from tests.e2e.conftest import ROOM_FLAGS, SHOTS, WebStack, chromium, shoot
from tests.e2e.test_web_chromium import (
    fill_request,
    in_browser,
    sign_in_beneficiary,
    sign_in_staff,
    submit_request,
)

T = TypeVar("T")
RENNES_COUNSELLORS = ("c-camille-bernard", "c-louise-martin")
#: Each person's microphone beeps at a pitch of their own (Chromium's fake device beeps
#: irregularly, with silences of several seconds): what each hears tells whose voice it is.
COUNSELLOR_HZ = 440
LEA_HZ = 660
#: Heard energy over a watch: the beeps give 0.03 to 1 (the browser's gain control varies),
#: silence under 0.001.
MIN_ENERGY = 0.01
#: How long media is watched at each step: enough for dozens of packets and frames.
WATCH_SECONDS = 3.0
#: Media already in flight when a switch happens may still land just after it.
SETTLE_SECONDS = 1.5

#: Keeps every change of the call's state (the page sets data-state on #call) with its time.
RECORD_STATES = """
window.__states = [[document.getElementById('call').getAttribute('data-state'), Date.now()]];
new MutationObserver(function () {
  window.__states.push([document.getElementById('call').getAttribute('data-state'), Date.now()]);
}).observe(document.getElementById('call'), {attributes: true, attributeFilter: ['data-state']});
"""

#: The page's own counts (jalonCall.stats(), from getStats), plus the energy of the sound heard.
READ_STATS = """
const done = arguments[arguments.length - 1];
(async function () {
  const call = window.jalonCall;
  const s = await call.stats();
  let energy = 0;
  if (call.pc) {
    (await call.pc.getStats()).forEach(function (r) {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') { energy += r.totalAudioEnergy || 0; }
    });
  }
  done({
    audio: s.audio.packetsReceived, video: s.video.framesReceived,
    decoded: s.video.framesDecoded, lost: s.audio.packetsLost + s.video.packetsLost,
    sent_audio: s.sent.audioPackets, sent_video: s.sent.videoFrames, energy: energy,
    state: call.state, rtt: s.roundTripTime,
  });
})().catch(function (e) { done({error: String(e)}); });
"""

#: The remote picture's size and the spread of its brightness: Chromium's fake camera draws a
#: busy pattern, where a black or frozen relay frame would be flat.
READ_PICTURE = """
const v = document.getElementById('remote-video');
if (!v || !v.videoWidth) { return null; }
const c = document.createElement('canvas');
c.width = 64; c.height = 48;
const g = c.getContext('2d');
g.drawImage(v, 0, 0, 64, 48);
const d = g.getImageData(0, 0, 64, 48).data;
let sum = 0, sq = 0, n = 0;
for (let i = 0; i < d.length; i += 4) {
  const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
  sum += y; sq += y * y; n += 1;
}
const mean = sum / n;
return [v.videoWidth, v.videoHeight, mean, Math.sqrt(Math.max(0, sq / n - mean * mean))];
"""


def room_id_of(appointment_id: str) -> uuid.UUID:
    """Return the room remote-session opens for an appointment (the contract's uuid5)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"jalon:room:{appointment_id}")


def bearer(stack: WebStack, sub: str, role: Role, region: str | None = None) -> dict[str, str]:
    """Return a ten-minute bearer header for a person, as the front would send."""
    token = stack.keys.issuer().mint(sub, role, region=region, ttl=timedelta(minutes=10))
    return {"Authorization": f"Bearer {token}"}


async def until(check: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    """Await a coroutine-returning check until it gives something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        found = await check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.3)


def wait_js(driver: webdriver.Chrome, script: str, what: str, timeout: float = 20) -> Any:
    """Poll a page expression (blocking: run it off the loop) until it is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        found = driver.execute_script(script)
        if found:
            return found
        if time.monotonic() > deadline:
            status = driver.execute_script(
                "return [document.getElementById('call').getAttribute('data-state'),"
                " document.getElementById('call-status').textContent,"
                " document.getElementById('call-error').textContent]"
            )
            raise AssertionError(f"timed out waiting for {what}: {status}")
        time.sleep(0.1)


def stats(driver: webdriver.Chrome) -> dict[str, Any]:
    """Return the page's media counts now."""
    found: dict[str, Any] = driver.execute_async_script(READ_STATS)
    assert "error" not in found, found
    return found


async def both(a: Callable[[], T], b: Callable[[], T]) -> tuple[T, T]:
    """Drive both browsers at once, each in its own thread."""
    first, second = await asyncio.gather(in_browser(a), in_browser(b))
    return first, second


async def watch(
    counsellor: webdriver.Chrome, lea: webdriver.Chrome, readings: dict[str, Any], label: str
) -> tuple[dict[str, float], dict[str, float]]:
    """Return how much each page received over WATCH_SECONDS: packets, frames, energy."""
    before = await both(lambda: stats(counsellor), lambda: stats(lea))
    await asyncio.sleep(WATCH_SECONDS)
    after = await both(lambda: stats(counsellor), lambda: stats(lea))
    keys = ("audio", "video", "decoded", "energy", "sent_audio", "sent_video")
    deltas = tuple({k: round(after[i][k] - before[i][k], 4) for k in keys} for i in (0, 1))
    readings[label] = {"counsellor": deltas[0], "lea": deltas[1]}
    return deltas[0], deltas[1]


def assert_hears_and_sees(delta: dict[str, float], who: str) -> None:
    """Sound (not silence) and pictures kept arriving over the watch."""
    # Opus sends 50 packets a second, the fake camera 20 to 30 frames.
    assert delta["audio"] >= 25 * WATCH_SECONDS, (who, delta)
    assert delta["energy"] >= MIN_ENERGY, (who, "silence only", delta)
    assert delta["video"] >= 5 * WATCH_SECONDS, (who, delta)
    assert delta["decoded"] >= 5 * WATCH_SECONDS, (who, delta)


def assert_hears_only(delta: dict[str, float], who: str) -> None:
    """Sound kept arriving over the watch, and not one picture."""
    assert delta["audio"] >= 25 * WATCH_SECONDS, (who, delta)
    assert delta["energy"] >= MIN_ENERGY, (who, "silence only", delta)
    assert delta["video"] == 0, (who, "video still arrives in audio only", delta)


#: The loudest frequency of the remote sound, from a Web Audio analyser on the remote stream.
READ_TONE = """
const done = arguments[arguments.length - 1];
const stream = document.getElementById('remote-audio').srcObject;
if (!stream) { done(null); return; }
const ctx = new AudioContext();
const analyser = ctx.createAnalyser();
analyser.fftSize = 8192;
ctx.createMediaStreamSource(stream).connect(analyser);
setTimeout(function () {
  const bins = new Float32Array(analyser.frequencyBinCount);
  analyser.getFloatFrequencyData(bins);
  let best = 0;
  for (let i = 1; i < bins.length; i++) { if (bins[i] > bins[best]) { best = i; } }
  const found = [best * ctx.sampleRate / analyser.fftSize, bins[best]];
  ctx.close();
  done(found);
}, 600);
"""


def tone_file(folder: Path, hertz: int) -> Path:
    """Write a second of beeps at one pitch (16-bit mono 48 kHz WAV); Chromium loops it.

    Beeps rather than a steady tone: the page asks for the browser's noise suppression, which
    fades a steady tone out as noise within seconds.
    """
    rate = 48_000
    beep = rate // 8
    path = folder / f"tone-{hertz}.wav"

    def sample(n: int) -> int:
        at = n % (2 * beep)
        if at >= beep:
            return 0
        # 5 ms fades: no click at each edge.
        fade = min(1.0, at / 240, (beep - at) / 240)
        return int(0.5 * 32767 * fade * math.sin(2 * math.pi * hertz * n / rate))

    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", sample(n)) for n in range(rate)))
    return path


@pytest.fixture
def callers(tmp_path: Path) -> Iterator[tuple[webdriver.Chrome, webdriver.Chrome]]:
    """Two Chromiums with the room flags, each microphone playing its tone."""
    # The tone check's AudioContext starts without a click of its own.
    flags = (*ROOM_FLAGS, "--autoplay-policy=no-user-gesture-required")
    counsellor_tone = f"--use-file-for-fake-audio-capture={tone_file(tmp_path, COUNSELLOR_HZ)}"
    lea_tone = f"--use-file-for-fake-audio-capture={tone_file(tmp_path, LEA_HZ)}"
    with chromium(*flags, counsellor_tone) as counsellor, chromium(*flags, lea_tone) as lea:
        yield counsellor, lea


def tone(driver: webdriver.Chrome) -> float:
    """Return the loudest frequency heard, once the remote sound has one (not silence)."""
    deadline = time.monotonic() + 10
    while True:
        found = driver.execute_async_script(READ_TONE)
        if found and found[1] > -60:
            return float(found[0])
        assert time.monotonic() < deadline, ("no tone in the remote sound", found)
        time.sleep(0.2)


async def assert_tones(
    counsellor: webdriver.Chrome, lea: webdriver.Chrome, readings: dict[str, Any], label: str
) -> None:
    """Each hears the other's tone: the counsellor Léa's, Léa the counsellor's."""
    by_counsellor, by_lea = await both(lambda: tone(counsellor), lambda: tone(lea))
    readings[f"tones_{label}"] = {"counsellor": by_counsellor, "lea": by_lea}
    # An 8192-point analyser at 48 kHz has bins of about 6 Hz.
    assert abs(by_counsellor - LEA_HZ) < 15, ("the counsellor hears", by_counsellor)
    assert abs(by_lea - COUNSELLOR_HZ) < 15, ("Léa hears", by_lea)


def picture(driver: webdriver.Chrome) -> list[float]:
    """Return the remote video's size and brightness spread, once it shows something."""
    shown: list[float] = wait_js(driver, READ_PICTURE, "a remote picture")
    return shown


async def room_events(bootstrap: str, room_id: uuid.UUID, timeout: float = 30) -> list[Any]:
    """Read the room's events from the broker, from the topic's start to its session.ended."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    seen: list[dict[str, Any]] = []
    try:
        partitions = [
            TopicPartition(topics.SESSION, p) for p in range(topics.PARTITIONS[topics.SESSION])
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        async with asyncio.timeout(timeout):
            while True:
                batch = await consumer.getmany(timeout_ms=200)
                for records in batch.values():
                    for record in records:
                        if record.key != str(room_id).encode():
                            continue
                        seen.append(json.loads(record.value))
                        if seen[-1]["event_type"] == "session.ended":
                            return seen
    except TimeoutError:
        kinds = [e["event_type"] for e in seen]
        raise AssertionError(f"no session.ended for the room; saw {kinds}") from None
    finally:
        await consumer.stop()


async def book_video_now(stack: WebStack) -> tuple[str, str, str]:
    """Give Léa's counsellor an opening now (no notice) and book a video follow-up in it.

    Return the appointment, its case and the counsellor.
    """
    lea = bearer(stack, str(DEMO_BENEFICIARY_ID), Role.BENEFICIARY)
    async with httpx.AsyncClient(timeout=10) as http:

        async def case() -> str | None:
            answer = await http.get(f"{stack.intake_url}/me/export", headers=lea)
            cases = answer.json().get("cases", []) if answer.status_code == 200 else []
            return str(cases[0]["case_id"]) if cases else None

        case_id: str = await until(case, "Léa's case")
        now = datetime.now(UTC)
        plan = {
            "time_zone": "Europe/Paris",
            "windows": [],
            "rules": {"notice_hours": 0, "buffer_after_minutes": 0},
            "exceptions": [
                {
                    "kind": "extra",
                    "starts_at": (now - timedelta(hours=1)).isoformat(),
                    "ends_at": (now + timedelta(hours=3)).isoformat(),
                    "place": "remote",
                }
            ],
        }
        # Whichever of Rennes' counsellors the case went to: both are open now.
        for counsellor in RENNES_COUNSELLORS:
            answer = await http.put(
                f"{stack.appointment_url}/me/availability",
                json=plan,
                headers=bearer(stack, counsellor, Role.COUNSELLOR, "bretagne"),
            )
            assert answer.status_code == 200, answer.text

        async def slots() -> dict[str, Any] | None:
            # 404 until the case reaches appointment's directory copy through Kafka.
            answer = await http.get(
                f"{stack.appointment_url}/cases/{case_id}/slots",
                params={"modality": "video", "kind": "follow_up", "days": 1},
                headers=lea,
            )
            found: dict[str, Any] | None = answer.json() if answer.status_code == 200 else None
            return found if found and found["slots"] else None

        found = await until(slots, "a free video slot")
        counsellor_id = str(found["counsellor_id"])
        first = found["slots"][0]
        starts_at = datetime.fromisoformat(first["starts_at"])
        assert starts_at - datetime.now(UTC) <= timedelta(minutes=15), first
        booked = await http.post(
            f"{stack.appointment_url}/cases/{case_id}/appointments",
            json={"modality": "video", "kind": "follow_up", "starts_at": first["starts_at"]},
            headers=bearer(stack, counsellor_id, Role.COUNSELLOR, "bretagne"),
        )
        assert booked.status_code == 201, booked.text
        return str(booked.json()["appointment_id"]), case_id, counsellor_id


async def test_two_browsers_hold_a_video_appointment_from_lobby_to_held(
    intake_reference: WebStack,
    e2e_kafka: EmbeddedKafka,
    callers: tuple[webdriver.Chrome, webdriver.Chrome],
) -> None:
    stack = intake_reference
    base = stack.base_url
    counsellor, lea = callers
    marks: dict[str, float] = {"start": time.monotonic()}
    readings: dict[str, Any] = {}

    def lea_asks() -> None:
        sign_in_beneficiary(lea, stack, DEMO_BENEFICIARY_EMAIL)
        fill_request(lea, "Léa", "Petit")
        submit_request(lea)

    await in_browser(lea_asks)
    appointment_id, _case_id, counsellor_id = await book_video_now(stack)
    room_id = room_id_of(appointment_id)
    staff = bearer(stack, counsellor_id, Role.COUNSELLOR, "bretagne")

    async def room_open() -> dict[str, Any] | None:
        # remote-session opens the room from appointment.booked, through Kafka.
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.get(
                f"{stack.remote_session_url}/rooms/by-appointment/{appointment_id}",
                headers=staff,
            )
        found: dict[str, Any] | None = answer.json() if answer.status_code == 200 else None
        return found if found and found["joinable"] else None

    room = await until(room_open, "the room to open")
    assert room["room_id"] == str(room_id)
    assert room["status"] == "scheduled"
    marks["booked"] = time.monotonic()

    # The lobby --------------------------------------------------------------------------
    def lea_waits() -> None:
        lea.get(f"{base}/beneficiary/rooms/{appointment_id}")
        lea.execute_script(RECORD_STATES)
        lea.find_element(By.ID, "join").click()
        wait_js(lea, "return window.jalonCall.state === 'lobby'", "Léa in the lobby")
        shoot(lea, "80-room-lobby-beneficiary")

    def counsellor_lets_her_in() -> str:
        sign_in_staff(counsellor, base, "counsellor", counsellor_id)
        counsellor.get(f"{base}/counsellor/rooms/{appointment_id}")
        counsellor.execute_script(RECORD_STATES)
        counsellor.find_element(By.ID, "join").click()
        wait_js(
            counsellor,
            "return document.querySelector('#lobby-list li button')",
            "Léa in the counsellor's lobby",
        )
        waiting = counsellor.find_element(By.ID, "lobby-list").text
        shoot(counsellor, "81-room-lobby-counsellor")
        counsellor.find_element(By.CSS_SELECTOR, "#lobby-list li button").click()
        return waiting

    await in_browser(lea_waits)
    marks["lobby"] = time.monotonic()
    waiting = await in_browser(counsellor_lets_her_in)
    marks["admitted"] = time.monotonic()
    assert "Léa P." in waiting, waiting
    assert "Faire entrer" in waiting, waiting

    in_call = "return window.jalonCall.state === 'in_call'"
    await both(
        lambda: wait_js(counsellor, in_call, "the counsellor connected"),
        lambda: wait_js(lea, in_call, "Léa connected"),
    )
    marks["connected"] = time.monotonic()

    def states(driver: webdriver.Chrome) -> list[tuple[str, float]]:
        """Return the page's states since RECORD_STATES, each with its time in epoch seconds."""
        found: list[list[Any]] = driver.execute_script("return window.__states")
        return [(str(state), float(at) / 1000) for state, at in found]

    counsellor_states, lea_states = await both(lambda: states(counsellor), lambda: states(lea))
    assert "lobby" in [state for state, _ in lea_states], lea_states
    # Both connected: the later of the two pages' first "in_call", in epoch seconds.
    started = max(
        next(at for state, at in counsellor_states if state == "in_call"),
        next(at for state, at in lea_states if state == "in_call"),
    )

    # Media both ways ----------------------------------------------------------------------
    seen_by_counsellor, seen_by_lea = await watch(counsellor, lea, readings, "both")
    assert_hears_and_sees(seen_by_counsellor, "counsellor")
    assert_hears_and_sees(seen_by_lea, "Léa")
    pictures = await both(lambda: picture(counsellor), lambda: picture(lea))
    for width, height, _mean, spread in pictures:
        assert width >= 160, pictures
        assert height >= 120, pictures
        assert spread > 5, ("a flat remote picture", pictures)
    await assert_tones(counsellor, lea, readings, "both")
    roster = await in_browser(lambda: counsellor.execute_script("return window.jalonCall.roster"))
    assert roster["started_at"], roster
    assert abs(datetime.fromisoformat(roster["started_at"]).timestamp() - started) < 1, (
        roster["started_at"],
        started,
    )
    await both(
        lambda: shoot(counsellor, "82-room-call-counsellor"),
        lambda: shoot(lea, "83-room-call-beneficiary"),
    )

    # Audio only: Léa first, then the counsellor ------------------------------------------
    await in_browser(lambda: lea.find_element(By.ID, "audio-only").click())
    await asyncio.sleep(SETTLE_SECONDS)
    seen_by_counsellor, seen_by_lea = await watch(counsellor, lea, readings, "lea_audio_only")
    assert_hears_only(seen_by_lea, "Léa in audio only")
    assert seen_by_counsellor["audio"] >= 25 * WATCH_SECONDS, seen_by_counsellor
    assert seen_by_counsellor["energy"] >= MIN_ENERGY, seen_by_counsellor
    # She sends no picture any more, and the counsellor gets none (no frozen-frame padding).
    assert seen_by_lea["sent_video"] == 0, seen_by_lea
    assert seen_by_counsellor["video"] == 0, seen_by_counsellor
    await in_browser(lambda: shoot(lea, "84-room-audio-only-beneficiary"))

    await in_browser(lambda: counsellor.find_element(By.ID, "audio-only").click())
    await asyncio.sleep(SETTLE_SECONDS)
    seen_by_counsellor, seen_by_lea = await watch(counsellor, lea, readings, "both_audio_only")
    assert_hears_only(seen_by_counsellor, "counsellor in audio only")
    assert_hears_only(seen_by_lea, "Léa in audio only")
    await assert_tones(counsellor, lea, readings, "both_audio_only")
    await in_browser(lambda: shoot(counsellor, "85-room-audio-only-counsellor"))
    # The counsellor's picture back, so the reload below shows video both ways again.
    await in_browser(lambda: counsellor.find_element(By.ID, "audio-only").click())

    # Léa reloads: back in the call without the lobby ---------------------------------------
    def lea_reloads() -> list[tuple[str, float]]:
        lea.refresh()
        lea.execute_script(RECORD_STATES)
        lea.find_element(By.ID, "join").click()
        wait_js(lea, in_call, "Léa connected again", timeout=30)
        return states(lea)

    marks["reload"] = time.monotonic()
    lea_states = await in_browser(lea_reloads)
    assert "lobby" not in [state for state, _ in lea_states], lea_states
    marks["rejoined"] = time.monotonic()
    await asyncio.sleep(SETTLE_SECONDS)
    seen_by_counsellor, seen_by_lea = await watch(counsellor, lea, readings, "after_reload")
    assert_hears_and_sees(seen_by_counsellor, "counsellor after Léa's reload")
    assert_hears_and_sees(seen_by_lea, "Léa after her reload")
    await assert_tones(counsellor, lea, readings, "after_reload")
    roster = await in_browser(lambda: counsellor.execute_script("return window.jalonCall.roster"))
    assert roster["lobby"] == [], roster
    assert abs(datetime.fromisoformat(roster["started_at"]).timestamp() - started) < 1, roster

    # The counsellor ends the session -------------------------------------------------------
    def counsellor_ends() -> float:
        counsellor.find_element(By.ID, "end").click()
        confirm = counsellor.find_element(By.ID, "end-yes")
        assert confirm.is_displayed()
        before = time.time()
        confirm.click()
        return (before + time.time()) / 2

    ended_at = await in_browser(counsellor_ends)
    ended = "return window.jalonCall.state === 'ended'"
    await both(
        lambda: wait_js(counsellor, ended, "the counsellor's page ended"),
        lambda: wait_js(lea, ended, "Léa's page ended"),
    )
    await both(
        lambda: shoot(counsellor, "86-room-ended-counsellor"),
        lambda: shoot(lea, "87-room-ended-beneficiary"),
    )
    said = await in_browser(lambda: lea.find_element(By.ID, "call-status").text)
    assert "La séance est terminée." in said, said

    events = await room_events(e2e_kafka.bootstrap, room_id)
    event = events[-1]
    measured = ended_at - started
    assert abs(event["duration_seconds"] - measured) <= 1, (event, measured)
    assert event["appointment_id"] == appointment_id
    assert event["counsellor_id"] == counsellor_id
    assert event["beneficiary_id"] == str(DEMO_BENEFICIARY_ID)
    assert event["modality"] == "video"
    assert event["audio_only"] is True
    assert event["participants"] == 2

    async def held() -> bool:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.get(
                f"{stack.appointment_url}/appointments/{appointment_id}", headers=staff
            )
        return answer.status_code == 200 and answer.json()["status"] == "held"

    await until(held, "the appointment to be held")
    marks["end"] = time.monotonic()
    # For people reading a run: where the time went, and the two measures of the session.
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / "room-timings.json").write_text(
        json.dumps(
            {
                "marks": {k: round(v - marks["start"], 1) for k, v in marks.items()},
                "measured_seconds": round(measured, 3),
                "event_seconds": event["duration_seconds"],
                "received_over_each_watch": readings,
                "events": [
                    {k: e.get(k) for k in ("event_type", "role", "rejoin", "reason")}
                    for e in events
                ],
                "ended": event,
            }
        )
    )

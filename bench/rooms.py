"""Benchmark joining a room through the real service: ticket, hello, lobby, offer, connected.

Intake and remote session run as processes on the embedded stack (SecantusDB, Tansu), remote
session's media kept on loopback. One beneficiary's case is opened through intake and handed to
the region's one counsellor; the benchmark then publishes an `appointment.booked` (video,
starting now) per room, as appointment would, and waits for remote session to open the rooms.

A clients' process then joins the rooms one after the other with aiortc peers, as the call page
does: the counsellor first (ticket, socket and hello, offer, until the peer is connected), then
the beneficiary, whose join is timed from the ticket request to the peer connected, the lobby
included: the counsellor's client admits them as soon as a roster shows them waiting. The
counsellor then ends the session. The clients send the relay benchmark's media, encoded once.

Baseline from the same run, interleaved room by room so both see the same noise: two peers
joining a bare MediaHub in its own process (bench.relay's hub, pinned to one core), from offer
out to connected, as bench.relay measures it. One room of each is a warm-up and not counted;
with 30 joins the p99 (nearest rank) is the slowest one.

The beneficiary's join is also split into steps (p50 each): the ticket request (intake read for
the lobby's name), the socket opened until the welcome, the lobby until admitted, creating the
offer (ICE gathering), and the offer sent until connected, the part the bare hub's figure
measures.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from aiokafka import AIOKafkaProducer
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from bench.relay import (
    CONNECT_TIMEOUT_S,
    SETTLE_S,
    Driver,
    audio_clip,
    patch_client_decoders,
    tail,
    video_clip,
)
from bench.stack import Stack, embedded_stack, percentile, register_region
from jalon_shared.access import Role
from jalon_shared.events.appointment import AppointmentBooked
from jalon_shared.events.envelope import utc_now
from jalon_shared.events.vocabulary import Modality
from jalon_shared.settings import dev_url
from remote_session.domain.rooms import one_to_one_room_id

if TYPE_CHECKING:
    from aiortc import RTCPeerConnection

JOINS = 30
WARM_UP = 1
REGION = "visio"
COUNSELLOR = "c-visio"
REMOTE = "jalon_remote_session"
#: The beneficiary's name as the lobby shows it, read from intake when the ticket is issued.
LOBBY_NAME = "Léa V."
#: The longest the services may take to learn of the case, then of the bookings, through Kafka.
COPY_TIMEOUT_S = 60.0
CALL_TIMEOUT_S = 30.0
BENCH_TIMEOUT_S = 120.0

Frame = dict[str, Any]


# The stack's side: a case, its counsellor, the rooms


async def open_case(http: httpx.AsyncClient, stack: Stack) -> tuple[uuid.UUID, uuid.UUID]:
    """Open a case through intake as its beneficiary; wait until remote session knows its owner."""
    await register_region(http, stack, REGION)
    (
        await http.put(
            stack.url("intake", f"/counsellors/{COUNSELLOR}"),
            json={"display_name": "Visio", "region": REGION, "site": "rennes", "capacity": 10},
            headers=stack.headers("bench", Role.MANAGER, region=REGION),
        )
    ).raise_for_status()
    beneficiary_id = uuid.uuid4()
    # Submitted by the person: their id is the token's, so remote session reads their name from
    # intake for the lobby, as in production.
    answer = await http.post(
        stack.url("intake", "/requests"),
        json={
            "first_name": "Léa",
            "last_name": "Visio",
            "email": f"visio.{uuid.uuid4().hex[:8]}@example.org",
            "phone": None,
            "preferred_channel": "email",
            "employment_situation": "employed",
            "csp": "employe",
            "region": REGION,
            "site": "rennes",
            "need": "Je souhaite changer de métier.",
            "topics": ["reconversion"],
            "modalities": ["video", "phone"],
            "availability": "mardi matin",
            "accessibility": [],
            "service_level": "accueil_individualise",
            "consent": {"accepted": True, "text_version": "2026-01"},
        },
        headers=stack.headers(str(beneficiary_id), Role.BENEFICIARY),
    )
    answer.raise_for_status()
    case_id = uuid.UUID(answer.json()["case_id"])
    cases = stack.mongo[REMOTE]["directory_cases"]
    deadline = time.monotonic() + COPY_TIMEOUT_S
    while time.monotonic() < deadline:
        case = await cases.find_one({"_id": case_id})
        if case is not None and case.get("counsellor_id") == COUNSELLOR:
            return beneficiary_id, case_id
        await asyncio.sleep(0.2)
    raise TimeoutError("remote session never learnt who owns the case")


async def open_rooms(
    stack: Stack, case_id: uuid.UUID, beneficiary_id: uuid.UUID, count: int
) -> list[str]:
    """Publish video appointments starting now, as appointment would; wait for their rooms."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, enable_idempotence=False)
    await producer.start()
    rooms: list[uuid.UUID] = []
    try:
        for _ in range(count):
            starts_at = utc_now()
            booked = AppointmentBooked(
                correlation_id="bench-rooms",
                producer="appointment",
                appointment_id=uuid.uuid4(),
                case_id=case_id,
                beneficiary_id=beneficiary_id,
                counsellor_id=COUNSELLOR,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=45),
                modality=Modality.VIDEO,
                region=REGION,
            )
            await producer.send_and_wait(
                booked.TOPIC, booked.to_json_bytes(), key=booked.key().encode()
            )
            rooms.append(one_to_one_room_id(booked.appointment_id))
    finally:
        await producer.stop()
    stored = stack.mongo[REMOTE]["rooms"]
    deadline = time.monotonic() + COPY_TIMEOUT_S
    while time.monotonic() < deadline:
        if await stored.count_documents({"_id": {"$in": rooms}}) == len(rooms):
            return [str(room) for room in rooms]
        await asyncio.sleep(0.2)
    raise TimeoutError("remote session never opened the rooms")


# The clients' process


class Signal:
    """One participant's signalling socket, read by a task into a queue per frame type."""

    def __init__(self, socket: ClientConnection, *, admits: bool) -> None:
        self.socket = socket
        #: The counsellor's client admits whoever a roster shows in the lobby, at once.
        self.admits = admits
        self.queues: defaultdict[str, asyncio.Queue[Frame]] = defaultdict(asyncio.Queue)
        self.admitted: set[str] = set()
        self.failed = asyncio.Event()
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        """Queue every frame; admit the lobby on a counsellor's socket."""
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.socket:
                frame: Frame = json.loads(raw)
                if frame["type"] == "error":
                    print(f"  signalling error: {frame}", flush=True)
                    self.failed.set()
                if self.admits and frame["type"] == "roster":
                    for waiting in frame["lobby"]:
                        if waiting["participant_id"] not in self.admitted:
                            self.admitted.add(waiting["participant_id"])
                            await self.send(
                                {"type": "admit", "participant_id": waiting["participant_id"]}
                            )
                self.queues[frame["type"]].put_nowait(frame)
        # A socket closed early fails the wait for its next frame instead of timing it out.
        self.failed.set()

    async def send(self, frame: Frame) -> None:
        """Send a frame."""
        await self.socket.send(json.dumps(frame))

    async def next(self, kind: str) -> Frame:
        """Return the next frame of a type; fail on an error frame or a closed socket."""
        queue = self.queues[kind]
        if not queue.empty():
            return queue.get_nowait()
        got = asyncio.ensure_future(queue.get())
        failed = asyncio.ensure_future(self.failed.wait())
        try:
            await asyncio.wait(
                {got, failed}, timeout=CONNECT_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            failed.cancel()
        if got.done():
            return got.result()
        got.cancel()
        raise RuntimeError(f"no {kind!r} frame: {self.socket.close_code=}")

    async def close(self) -> None:
        """Stop reading and close the socket."""
        self.reader.cancel()
        await self.socket.close()


@dataclass
class Joined:
    """A participant in a room: their socket, their peer, and each step's milliseconds."""

    signal: Signal
    pc: RTCPeerConnection
    steps: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """What the clients' process is given: where the service and the hub are, the rooms."""

    http_url: str
    ws_url: str
    origin: str
    hub_port: int
    rooms: list[str]
    counsellor: dict[str, str]
    beneficiary: dict[str, str]


async def join(
    http: httpx.AsyncClient, plan: Plan, driver: Driver, room: str, headers: dict[str, str]
) -> Joined:
    """Join a room as the call page does, timing each step, until the peer is connected."""
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

    began = time.perf_counter()
    taken = await http.post(f"{plan.http_url}/rooms/{room}/tickets", headers=headers)
    if taken.status_code != 201:
        raise RuntimeError(f"ticket refused: {taken.status_code} {taken.text}")
    ticketed = time.perf_counter()
    body = taken.json()
    socket = await connect(
        plan.ws_url + body["signalling_path"], origin=Origin(plan.origin), proxy=None
    )
    signal = Signal(socket, admits=body["room"]["your_role"] == "counsellor")
    await signal.send({"type": "hello", "ticket": body["ticket"]})
    welcome = await signal.next("welcome")
    welcomed = time.perf_counter()
    if not welcome["admitted"] and welcome["name"] != LOBBY_NAME:
        # A name not read falls back to the role: the ticket would then skip intake's call.
        raise RuntimeError(f"the lobby shows {welcome['name']!r}: intake was not read")
    if not welcome["admitted"]:
        await signal.next("admitted")
    admitted = time.perf_counter()
    # No STUN server: aiortc's default is a public host, and the bench stays on loopback.
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    connected = asyncio.Event()
    pc.on(
        "connectionstatechange",
        lambda: connected.set() if pc.connectionState == "connected" else None,
    )
    pc.addTrack(driver.clip_track("audio"))
    pc.addTrack(driver.clip_track("video"))
    await pc.setLocalDescription(await pc.createOffer())
    offered = time.perf_counter()
    await signal.send({"type": "offer", "sdp": pc.localDescription.sdp})
    answer = await signal.next("answer")
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
    await asyncio.wait_for(connected.wait(), CONNECT_TIMEOUT_S)
    done = time.perf_counter()
    return Joined(
        signal,
        pc,
        {
            "join_to_connected": (done - began) * 1000,
            "ticket": (ticketed - began) * 1000,
            "hello": (welcomed - ticketed) * 1000,
            "lobby": (admitted - welcomed) * 1000,
            "offer": (offered - admitted) * 1000,
            "offer_to_connected": (done - offered) * 1000,
        },
    )


async def session(
    http: httpx.AsyncClient, plan: Plan, driver: Driver, room: str
) -> tuple[dict[str, float], dict[str, float]]:
    """Join the counsellor then the beneficiary, end the session; return both one's steps."""
    counsellor = await join(http, plan, driver, room, plan.counsellor)
    try:
        beneficiary = await join(http, plan, driver, room, plan.beneficiary)
    except BaseException:
        await asyncio.gather(counsellor.pc.close(), counsellor.signal.close())
        raise
    # aiortc is still starting the bundled transports just after "connected": closing at once
    # makes it log an error that has nothing to do with the service.
    await asyncio.sleep(SETTLE_S)
    await counsellor.signal.send({"type": "end"})
    await counsellor.signal.next("ended")
    for joined in (counsellor, beneficiary):
        await joined.pc.close()
        await joined.signal.close()
    return counsellor.steps, beneficiary.steps


async def hub_pair(driver: Driver) -> list[float]:
    """Join two peers to the bare hub; return each one's offer-to-connected milliseconds."""
    room = str(uuid.uuid4())
    spent = [
        (await driver.join(room, pid, role, video=True))[1] * 1000
        for pid, role in (("c", "counsellor"), ("b", "beneficiary"))
    ]
    await asyncio.sleep(SETTLE_S)
    await driver.close_all()
    return spent


async def drive(plan: Plan) -> None:
    """Join every room through the service, each after a pair on the bare hub; print figures."""
    logging.getLogger("aiortc").setLevel(logging.ERROR)
    from remote_session.adapters.media import pin_host_addresses

    # aioice never gathers 127.0.0.1 by itself, and the service offers only that.
    pin_host_addresses(("127.0.0.1",))
    driver = Driver(plan.hub_port, video_clip(), audio_clip())
    patch_client_decoders(driver.received)
    hub: list[float] = []
    counsellors: list[dict[str, float]] = []
    beneficiaries: list[dict[str, float]] = []
    async with httpx.AsyncClient(timeout=CALL_TIMEOUT_S) as http:
        for index, room in enumerate(plan.rooms):
            paired = await hub_pair(driver)
            counsellor, beneficiary = await session(http, plan, driver, room)
            if index < WARM_UP:
                continue
            hub += paired
            counsellors.append(counsellor)
            beneficiaries.append(beneficiary)
    await driver.ask({"op": "quit"})

    def p(steps: list[dict[str, float]], step: str, q: float) -> float:
        return percentile([s[step] for s in steps], q)

    join_p50 = p(beneficiaries, "join_to_connected", 50)
    join_p99 = p(beneficiaries, "join_to_connected", 99)
    hub_p50, hub_p99 = percentile(hub, 50), percentile(hub, 99)
    figures = {
        "rooms_joins": float(len(beneficiaries)),
        "rooms_join_to_connected_p50_ms": join_p50,
        "rooms_join_to_connected_p99_ms": join_p99,
        "rooms_counsellor_join_to_connected_p50_ms": p(counsellors, "join_to_connected", 50),
        "rooms_counsellor_join_to_connected_p99_ms": p(counsellors, "join_to_connected", 99),
        **{
            f"rooms_join_step_{step}_p50_ms": p(beneficiaries, step, 50)
            for step in ("ticket", "hello", "lobby", "offer", "offer_to_connected")
        },
        "rooms_hub_offer_to_connected_p50_ms": hub_p50,
        "rooms_hub_offer_to_connected_p99_ms": hub_p99,
        "ratio_rooms_join_p50_to_hub_p50": join_p50 / hub_p50,
        "ratio_rooms_join_p99_to_hub_p99": join_p99 / hub_p99,
        "ratio_rooms_offer_to_connected_p50_to_hub_p50": (
            p(beneficiaries, "offer_to_connected", 50) / hub_p50
        ),
    }
    print(json.dumps(figures), flush=True)


# The benchmark


async def run() -> dict[str, float]:
    """Open the rooms on the stack, then join them from a clients' process beside a bare hub."""
    cores = sorted(os.sched_getaffinity(0))
    async with (
        embedded_stack(["intake", "remote_session"]) as stack,
        httpx.AsyncClient(timeout=CALL_TIMEOUT_S) as http,
    ):
        beneficiary_id, case_id = await open_case(http, stack)
        rooms = await open_rooms(stack, case_id, beneficiary_id, WARM_UP + JOINS)
        with tempfile.TemporaryDirectory() as folder:
            return await beside_hub(stack, beneficiary_id, rooms, cores[-1], Path(folder))


async def beside_hub(
    stack: Stack, beneficiary_id: uuid.UUID, rooms: list[str], core: int, folder: Path
) -> dict[str, float]:
    """Start bench.relay's hub on one core, run the clients against it and the service."""
    hub_log = folder / "hub.log"
    with hub_log.open("wb") as errors:
        hub = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.relay", "hub", str(core),
            stdout=asyncio.subprocess.PIPE, stderr=errors,
        )  # fmt: skip
        try:
            assert hub.stdout is not None
            line = await hub.stdout.readline()
            if not line:
                raise RuntimeError(f"the hub did not start: {await tail(hub_log)}")
            plan = Plan(
                http_url=stack.url("remote_session", ""),
                ws_url=stack.url("remote_session", "").replace("http://", "ws://"),
                # The stack's remote session admits the dev web front's origin.
                origin=dev_url("web"),
                hub_port=json.loads(line)["port"],
                rooms=rooms,
                counsellor=stack.headers(COUNSELLOR, Role.COUNSELLOR, region=REGION),
                beneficiary=stack.headers(str(beneficiary_id), Role.BENEFICIARY),
            )
            figures = await asyncio.wait_for(clients(plan), BENCH_TIMEOUT_S)
            await hub.wait()
        finally:
            if hub.returncode is None:
                hub.kill()
                await hub.wait()
    return figures


async def clients(plan: Plan) -> dict[str, float]:
    """Run the clients' process on the plan; relay its lines; return its figures."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.rooms", "clients",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(json.dumps(asdict(plan)).encode())
    await process.stdin.drain()
    process.stdin.close()
    figures: dict[str, float] | None = None
    try:
        async for raw in process.stdout:
            text = raw.decode().rstrip()
            if text.startswith("{"):
                figures = json.loads(text)
            else:
                print(text, flush=True)
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    if figures is None:
        raise RuntimeError(f"the clients gave no figures (exit {process.returncode})")
    return figures


if __name__ == "__main__":
    if sys.argv[1:] == ["clients"]:
        asyncio.run(drive(Plan(**json.load(sys.stdin))))
    else:
        result = asyncio.run(run())
        for key, value in result.items():
            print(f"  {key:<50} {value:>12.2f}")

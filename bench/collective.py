"""Benchmark a collective room on the media relay: how many attendees one core shows a presenter.

The hub (remote_session.adapters.media.MediaHub) runs in a subprocess pinned to one core, as in
bench/relay.py, whose clients, clips and frame-counting decoders this reuses. One presenter
sends a 640x480 20 fps VP8 clip and an Opus tone; attendees join the same collective room in
steps (2, 4, 6, 8, 11), each sending audio only and receiving the presenter's video and the
audio mix; every attendee but the first is muted, as in an information meeting (the muted still
send their audio, as a browser's muted track sends silence, so the hub still decodes it). After
each step and a warm-up, loss at the attendees is measured over a steady window: 1 - video frames
the attendees received / (frames the presenter sent x attendees). The capacity is the largest step
under 5% loss: attendees per collective room per core.

aiortc encodes once per receiving peer, so the hub's cost grows with the attendees. The room is
measured twice in the same run: attendees receiving the presenter's picture as sent (480 lines,
the baseline) and scaled down once per picture to MediaOptions' collective_video_height (the
hub's default); the gain is their ratio, in attendees held and in hub CPU per attendee (the
slope between the first and the last step held; 11 attendees, a full room, is the last step, so
the attendees held cannot show more than that). An in-process baseline times aiortc's VP8
encoder alone at both sizes: the attendees a core could hold with nothing but the encodes, and
the share of an attendee's cost the encode is.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import structlog

from bench.relay import (
    FPS,
    HEIGHT,
    WIDTH,
    Driver,
    audio_clip,
    patch_client_decoders,
    pattern,
    tail,
    video_clip,
)

ATTENDEE_STEPS = (2, 4, 6, 8, 11)
LOSS_LIMIT = 0.05
WARM_S = 2.5
WINDOW_S = 4.0
CODEC_ROUNDS = 2
BENCH_TIMEOUT_S = 150.0
CONNECT_TIMEOUT_S = 20.0
#: Mixed and forwarded audio both go out at 50 frames a second to every listener.
AUDIO_FPS = 50


def scaled_height() -> int:
    """Return the height the hub scales attendees' video to by default."""
    from remote_session.adapters.media import MediaOptions

    height = MediaOptions().collective_video_height
    assert height is not None, "the hub sends attendees full size by default"
    return height


# Baseline in-process


def encode_costs(height: int) -> dict[str, float]:
    """Time aiortc's VP8 encoder on the pattern as sent (480 lines) and at the scaled height."""
    import av
    from aiortc.codecs.vpx import Vp8Encoder

    rng = np.random.default_rng(7)
    pictures = [
        av.VideoFrame.from_ndarray(pattern(i, rng), format="rgb24").reformat(format="yuv420p")
        for i in range(2 * FPS)
    ]
    width = round(WIDTH * height / HEIGHT / 2) * 2

    def cost(scale: bool) -> float:
        encoder = Vp8Encoder()
        spent = 0.0
        for n in range(CODEC_ROUNDS + 1):
            for index, picture in enumerate(pictures):
                frame = picture.reformat(width=width, height=height) if scale else picture
                frame.pts = (n * len(pictures) + index) * 90_000 // FPS
                frame.time_base = Fraction(1, 90_000)
                began = time.perf_counter()
                encoder.encode(frame)
                # The first round warms the encoder up (its first keyframe, its buffers).
                spent += time.perf_counter() - began if n else 0.0
        return spent / (CODEC_ROUNDS * len(pictures))

    full_s, small_s = cost(False), cost(True)
    return {
        "vp8_encode_full_ms": full_s * 1000,
        "vp8_encode_scaled_ms": small_s * 1000,
        "codec_bound_attendees_per_core_full": 1 / (FPS * full_s),
        "codec_bound_attendees_per_core_scaled": 1 / (FPS * small_s),
    }


# The hub's process


async def serve_hub(core: int) -> None:
    """Run a loopback MediaHub on one core; answer JSON lines on a TCP port printed first."""
    os.sched_setaffinity(0, {core})
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    from remote_session.adapters.media import MediaHub, MediaOptions, MediaState

    async def on_state(room: uuid.UUID, participant: str, state: MediaState) -> None:
        return None

    def make(height: int | None) -> MediaHub:
        options = MediaOptions(
            host_addresses=("127.0.0.1",), loopback_only=True, collective_video_height=height
        )
        return MediaHub(options, on_state)

    hub = make(None)
    done = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal hub
        ask = json.loads(await reader.readline())
        reply: dict[str, Any] = {}
        if ask["op"] == "configure":
            await hub.close()
            hub = make(ask["height"])
        elif ask["op"] == "answer":
            reply["sdp"] = await hub.answer(
                uuid.UUID(ask["room"]),
                ask["pid"],
                ask["role"],
                "collective",
                ask["sdp"],
                audio_only=False,
            )
        elif ask["op"] == "state":
            hub.set_state(uuid.UUID(ask["room"]), ask["pid"], muted=ask["muted"], audio_only=False)
        elif ask["op"] == "close_all":
            await hub.close()
        elif ask["op"] == "cpu":
            reply = {"cpu_s": time.process_time(), "peers": hub.peers()}
        elif ask["op"] == "quit":
            await hub.close()
            done.set()
        writer.write(json.dumps(reply).encode() + b"\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)
    await done.wait()
    server.close()


# The clients' process


class RoomDriver(Driver):
    """Joins a presenter and attendees to one collective room and measures the attendees."""

    async def join_room(self, room: str, pid: str, presenter: bool) -> None:
        """Connect a presenter (audio and video) or an attendee (audio up, video down)."""
        from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        connected = asyncio.Event()
        pc.on(
            "connectionstatechange",
            lambda: connected.set() if pc.connectionState == "connected" else None,
        )
        pc.addTrack(self.clip_track("audio"))
        if presenter:
            pc.addTrack(self.clip_track("video"))
        else:
            # An attendee's camera stays off: the offer still asks for the presenter's video.
            pc.addTransceiver("video", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())
        role = "presenter" if presenter else "attendee"
        reply = await self.ask(
            {"op": "answer", "room": room, "pid": pid, "role": role, "sdp": pc.localDescription.sdp}
        )
        await pc.setRemoteDescription(RTCSessionDescription(sdp=reply["sdp"], type="answer"))
        await asyncio.wait_for(connected.wait(), CONNECT_TIMEOUT_S)
        self.peers.append(pc)

    async def room_window(self, attendees: int) -> dict[str, float]:
        """Measure the attendees' video and the listeners' audio loss, and the CPUs."""
        sent = self.sent["video"]
        video, audio = self.received.total("video"), self.received.total("audio")
        hub_before = (await self.ask({"op": "cpu"}))["cpu_s"]
        mine_before, began = time.process_time(), time.perf_counter()
        await asyncio.sleep(WINDOW_S)
        elapsed = time.perf_counter() - began
        hub_after = (await self.ask({"op": "cpu"}))["cpu_s"]
        expected_video = (self.sent["video"] - sent) * attendees
        # Every attendee hears a mix (the unmuted one hears the presenter alone) and the
        # presenter hears the unmuted attendee: attendees + 1 listeners at 50 frames a second.
        expected_audio = (attendees + 1) * AUDIO_FPS * elapsed
        got_video = self.received.total("video") - video
        got_audio = self.received.total("audio") - audio
        return {
            "loss": max(0.0, 1 - got_video / expected_video) if expected_video else 1.0,
            "audio_loss": max(0.0, 1 - got_audio / expected_audio),
            "hub_cpu": (hub_after - hub_before) / elapsed,
            "client_cpu": (time.process_time() - mine_before) / elapsed,
        }

    async def room_capacity(self, label: str, height: int | None) -> dict[str, float]:
        """Add attendees in steps until loss reaches 5%; return the last step under it."""
        await self.ask({"op": "configure", "height": height})
        shown = f"{label} {height or HEIGHT}p"
        room = str(uuid.uuid4())
        await self.join_room(room, "p", presenter=True)
        held: list[tuple[int, dict[str, float]]] = []
        figures: dict[str, float] = {}
        joined = 0
        for attendees in ATTENDEE_STEPS:
            try:
                for index in range(joined, attendees):
                    await self.join_room(room, f"a-{index}", presenter=False)
                    await self.ask(
                        {"op": "state", "room": room, "pid": f"a-{index}", "muted": index > 0}
                    )
            except TimeoutError:
                print(f"  {shown}: {attendees} attendees: joins timed out", flush=True)
                break
            joined = attendees
            await asyncio.sleep(WARM_S)
            measured = await self.room_window(attendees)
            print(
                f"  {shown}: {attendees:>3} attendees  video loss {measured['loss']:6.1%}  "
                f"audio loss {measured['audio_loss']:6.1%}  hub cpu {measured['hub_cpu']:5.0%}  "
                f"clients cpu {measured['client_cpu']:5.0%}",
                flush=True,
            )
            figures[f"collective_{label}_loss_pct_at_{attendees}"] = measured["loss"] * 100
            figures[f"collective_{label}_hub_cpu_pct_at_{attendees}"] = measured["hub_cpu"] * 100
            if measured["loss"] >= LOSS_LIMIT:
                break
            held.append((attendees, measured))
        await self.close_all()
        last_n, last = held[-1] if held else (0, {"loss": 0.0, "hub_cpu": 0.0})
        first_n, first = held[0] if held else (0, last)
        # The slope between the first and the last step held: what one more attendee costs,
        # without the presenter's own share (its decode, its audio).
        per_attendee = (
            (last["hub_cpu"] - first["hub_cpu"]) / (last_n - first_n)
            if last_n > first_n
            else last["hub_cpu"] / max(last_n, 1)
        )
        return {
            f"collective_{label}_attendees_per_core": float(last_n),
            f"collective_{label}_loss_pct_at_capacity": last["loss"] * 100,
            f"collective_{label}_hub_cpu_pct_at_capacity": last["hub_cpu"] * 100,
            f"collective_{label}_hub_cpu_pct_per_attendee": per_attendee * 100,
            **figures,
        }


async def drive(port: int, cores: set[int], height: int) -> None:
    """Run the clients on the given cores; print each step, then the figures as JSON."""
    os.sched_setaffinity(0, cores)
    logging.getLogger("aiortc").setLevel(logging.ERROR)
    from remote_session.adapters.media import pin_host_addresses

    pin_host_addresses(("127.0.0.1",))
    driver = RoomDriver(port, video_clip(), audio_clip())
    patch_client_decoders(driver.received)
    figures = await driver.room_capacity("full", None)
    figures |= await driver.room_capacity("scaled", height)
    await driver.ask({"op": "quit"})
    print(json.dumps(figures), flush=True)


# The benchmark


async def run() -> dict[str, float]:
    """Time the encoder in-process, then the room through two pinned processes, both sizes."""
    height = scaled_height()
    cores = sorted(os.sched_getaffinity(0))
    hub_core = cores[-1]
    client_cores = set(cores[:-1]) or {hub_core}
    figures = await asyncio.to_thread(encode_costs, height)
    print(
        f"  hub on core {hub_core}, clients on {sorted(client_cores)}"
        + ("" if len(cores) > 1 else " (one core: the clients share it, figures are low)")
    )
    with tempfile.TemporaryDirectory() as folder:
        hub_log = Path(folder) / "hub.log"
        with hub_log.open("wb") as errors:
            hub = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.collective", "hub", str(hub_core),
                stdout=asyncio.subprocess.PIPE, stderr=errors,
            )  # fmt: skip
            try:
                measured = await asyncio.wait_for(
                    through_hub(hub, client_cores, height, hub_log), BENCH_TIMEOUT_S
                )
            finally:
                if hub.returncode is None:
                    hub.kill()
                    await hub.wait()
    figures |= measured
    before = figures["collective_full_attendees_per_core"]
    after = figures["collective_scaled_attendees_per_core"]
    figures["collective_scaled_height"] = float(height)
    figures["ratio_collective_scaled_to_full_attendees"] = after / before if before else 0.0
    figures["ratio_collective_scaled_to_full_hub_cpu_per_attendee"] = (
        figures["collective_scaled_hub_cpu_pct_per_attendee"]
        / figures["collective_full_hub_cpu_pct_per_attendee"]
    )
    for label in ("full", "scaled"):
        # What an attendee costs the hub against its encode alone: the rest is transport,
        # the audio mix and its Opus encode, and Python around them.
        encode_pct = FPS * figures[f"vp8_encode_{label}_ms"] / 10
        figures[f"ratio_collective_{label}_hub_cpu_per_attendee_to_encode"] = (
            figures[f"collective_{label}_hub_cpu_pct_per_attendee"] / encode_pct
        )
    print(
        f"  attendees per collective room per core: {after:.0f} at {height} lines, "
        f"{before:.0f} at {HEIGHT} (the largest step under {LOSS_LIMIT:.0%} loss)"
    )
    return figures


async def through_hub(
    hub: asyncio.subprocess.Process, client_cores: set[int], height: int, hub_log: Path
) -> dict[str, float]:
    """Start the clients against the hub's port; relay their lines; return their figures."""
    assert hub.stdout is not None
    line = await hub.stdout.readline()
    if not line:
        await hub.wait()
        raise RuntimeError(f"the hub did not start: {await tail(hub_log)}")
    port = json.loads(line)["port"]
    clients = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.collective", "clients", str(port), str(height),
        *map(str, sorted(client_cores)), stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert clients.stdout is not None
    figures: dict[str, float] | None = None
    try:
        async for raw in clients.stdout:
            text = raw.decode().rstrip()
            if text.startswith("{"):
                figures = json.loads(text)
            else:
                print(text, flush=True)
        await clients.wait()
    finally:
        if clients.returncode is None:
            clients.kill()
            await clients.wait()
    await hub.wait()
    if figures is None:
        raise RuntimeError(f"the clients gave no figures; hub: {await tail(hub_log)}")
    return figures


def main(argv: list[str]) -> None:
    """Run one of the benchmark's processes: `hub CORE` or `clients PORT HEIGHT CORE...`."""
    what, *rest = argv
    runners: dict[str, Callable[[], Coroutine[Any, Any, None]]] = {
        "hub": lambda: serve_hub(int(rest[0])),
        "clients": lambda: drive(int(rest[0]), {int(c) for c in rest[2:]}, int(rest[1])),
    }
    asyncio.run(runners[what]())


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1:])
    else:
        result = asyncio.run(run())
        for key, value in result.items():
            print(f"  {key:<50} {value:>12.2f}")

"""Benchmark the media relay (aiortc): sessions one core holds, and offer-to-connected time.

The hub (remote_session.adapters.media.MediaHub) runs in a subprocess pinned to one core with
os.sched_setaffinity, answering offers over a line-based TCP socket on loopback. The clients run
in another subprocess pinned to the other core(s): two aiortc peers per one-to-one session, all
on 127.0.0.1. To keep the clients' own cost small next to the hub's, they send media encoded
once in advance (a 640x480 20 fps VP8 clip, an Opus tone) and count the frames that arrive
complete instead of decoding them; the hub does the real work, decoding and encoding every
stream. Sessions are added in steps; after each step and a warm-up, loss is measured over a
steady window: 1 - frames received by the far sides / frames sent by the near sides. The
capacity is the largest step under 5% loss.

Baselines from the same run: the raw codec cost of relaying one stream (decode then encode, as
the hub does, in-process, one thread), which bounds the sessions a core could hold with no
transport or Python around the codecs; and two aiortc peers connecting directly to each other,
for the join time.
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
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import structlog

from bench.stack import percentile

WIDTH, HEIGHT, FPS = 640, 480, 20
VIDEO_BITRATE = 500_000
GOP = FPS
CLIP_FRAMES = 2 * FPS
AUDIO_FRAMES = 50
LOSS_LIMIT = 0.05
AUDIO_STEPS = (8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64)
VIDEO_STEPS = (1, 2, 3, 4, 5, 6)
WARM_S = 2.5
WINDOW_S = 4.0
JOINS = 40
DIRECT_JOINS = 20
CONNECT_TIMEOUT_S = 20.0
SETTLE_S = 0.1
BENCH_TIMEOUT_S = 240.0


@dataclass(frozen=True)
class Clip:
    """Media encoded once: each frame's bytes, and the stream's pace."""

    kind: str
    frames: tuple[bytes, ...]
    fps: int
    time_base: Fraction


def pattern(index: int, rng: np.random.Generator) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """Return a 640x480 RGB picture: a gradient, moving texture, a moving block, sensor noise."""
    # Texture and noise make the encoder spend its 500 kb/s as on a camera's picture; a flat
    # synthetic picture would cost the hub a fraction of a real stream.
    x = np.arange(WIDTH, dtype=np.float32)[None, :]
    y = np.arange(HEIGHT, dtype=np.float32)[:, None]
    texture = 60 * np.sin((x + index * 6) / 7) * np.cos((y - index * 3) / 9)
    image = np.stack([x * 0.4 + texture, y * 0.5 + texture, (x + y) * 0.2 + texture], axis=-1)
    left = (index * 12) % (WIDTH - 120)
    image[160:320, left : left + 120] = (230, 60, 40)
    image += rng.normal(0, 6, image.shape).astype(np.float32)
    picture: np.ndarray[Any, np.dtype[np.uint8]] = np.clip(image, 0, 255).astype(np.uint8)
    return picture


def video_clip() -> Clip:
    """Encode 2 s of the pattern in VP8 at 500 kb/s with a keyframe every second."""
    import av

    codec = av.CodecContext.create("libvpx", "w")
    assert isinstance(codec, av.VideoCodecContext)
    codec.width, codec.height, codec.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    codec.bit_rate = VIDEO_BITRATE
    codec.gop_size = GOP
    codec.time_base = Fraction(1, FPS)
    codec.options = {"deadline": "realtime", "cpu-used": "-6", "lag-in-frames": "0"}
    rng = np.random.default_rng(7)
    frames: list[bytes] = []
    for index in range(CLIP_FRAMES):
        frame = av.VideoFrame.from_ndarray(pattern(index, rng), format="rgb24")
        frame = frame.reformat(format="yuv420p")
        frame.pts = index
        frame.time_base = Fraction(1, FPS)
        frames += [bytes(p) for p in codec.encode(frame)]
    frames += [bytes(p) for p in codec.encode(None)]
    return Clip("video", tuple(frames[:CLIP_FRAMES]), FPS, Fraction(1, 90_000))


def audio_clip() -> Clip:
    """Encode 1 s of a 440 Hz tone with a little noise in Opus, 20 ms a packet."""
    from aiortc.codecs.opus import OpusEncoder
    from av import AudioFrame

    encoder = OpusEncoder()
    rng = np.random.default_rng(7)
    frames: list[bytes] = []
    for index in range(AUDIO_FRAMES):
        t = (np.arange(960) + index * 960) / 48_000
        wave = 6000 * np.sin(2 * np.pi * 440 * t) + rng.normal(0, 300, 960)
        samples = np.repeat(wave.astype(np.int16)[:, None], 2, axis=1).reshape(1, -1)
        frame = AudioFrame.from_ndarray(samples, format="s16", layout="stereo")
        frame.sample_rate = 48_000
        frame.pts = index * 960
        frame.time_base = Fraction(1, 48_000)
        payloads, _ = encoder.encode(frame)
        frames += payloads
    return Clip("audio", tuple(frames), 50, Fraction(1, 48_000))


# Baselines in-process


def codec_costs(video: Clip, audio: Clip) -> dict[str, float]:
    """Time what the hub does to every frame it relays: decode it, then encode it again."""
    from aiortc.codecs.opus import OpusDecoder, OpusEncoder
    from aiortc.codecs.vpx import Vp8Decoder, Vp8Encoder
    from aiortc.jitterbuffer import JitterFrame

    def relay_cost(decoder: Any, encoder: Any, clip: Clip, rounds: int) -> float:
        step = int(1 / clip.fps / clip.time_base)
        spent = 0.0
        for n in range(rounds):
            for index, data in enumerate(clip.frames):
                began = time.perf_counter()
                for frame in decoder.decode(
                    JitterFrame(data, (n * len(clip.frames) + index) * step)
                ):
                    encoder.encode(frame)
                spent += time.perf_counter() - began
        return spent / (rounds * len(clip.frames))

    relay_cost(Vp8Decoder(), Vp8Encoder(), video, 1)  # warm the codecs up
    vp8_s = relay_cost(Vp8Decoder(), Vp8Encoder(), video, 2)
    opus_s = relay_cost(OpusDecoder(), OpusEncoder(), audio, 10)
    return {
        "vp8_480p_decode_encode_ms": vp8_s * 1000,
        "opus_20ms_decode_encode_us": opus_s * 1_000_000,
        # A session relays two streams each way through the hub: both directions.
        "codec_bound_video_sessions_per_core": 1 / (2 * FPS * vp8_s),
        "codec_bound_audio_sessions_per_core": 1 / (2 * 50 * opus_s),
    }


# The hub's process


async def serve_hub(core: int) -> None:
    """Run a loopback MediaHub on one core; answer JSON lines on a TCP port printed first."""
    os.sched_setaffinity(0, {core})
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    from remote_session.adapters.media import MediaHub, MediaOptions, MediaState

    async def on_state(room: uuid.UUID, participant: str, state: MediaState) -> None:
        return None

    hub = MediaHub(MediaOptions(host_addresses=("127.0.0.1",), loopback_only=True), on_state)
    done = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()
        ask = json.loads(line)
        reply: dict[str, Any] = {}
        if ask["op"] == "answer":
            reply["sdp"] = await hub.answer(
                uuid.UUID(ask["room"]),
                ask["pid"],
                ask["role"],
                "one_to_one",
                ask["sdp"],
                audio_only=False,
            )
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
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"port": port}), flush=True)
    await done.wait()
    server.close()


# The clients' process


class Received:
    """Counts the frames that reached the clients' decoders, by kind, without decoding."""

    def __init__(self) -> None:
        self.decoders: list[CountingDecoder] = []

    def total(self, kind: str) -> int:
        """Return the frames received so far of one kind."""
        return sum(d.frames for d in self.decoders if d.kind == kind)


class CountingDecoder:
    """Stands in for aiortc's decoder in the clients: a complete frame counted, not decoded."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.frames = 0

    def decode(self, encoded_frame: object) -> list[object]:
        """Count the frame; hand nothing on."""
        self.frames += 1
        return []


def patch_client_decoders(received: Received) -> None:
    """Make the clients' receivers count frames instead of decoding them."""
    import aiortc.rtcrtpreceiver

    def counting(codec: Any) -> CountingDecoder:
        decoder = CountingDecoder(str(codec.mimeType).split("/")[0].lower())
        received.decoders.append(decoder)
        return decoder

    setattr(aiortc.rtcrtpreceiver, "get_decoder", counting)  # noqa: B010 (a module's function)


class Driver:
    """Joins client peers to the hub and measures what crosses it."""

    def __init__(self, port: int, video: Clip, audio: Clip) -> None:
        self.port = port
        self.clips = {"video": video, "audio": audio}
        self.received = Received()
        self.sent = {"audio": 0, "video": 0}
        self.peers: list[Any] = []

    async def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send one request to the hub's process and return its reply."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(json.dumps(request).encode() + b"\n")
        await writer.drain()
        reply: dict[str, Any] = json.loads(await reader.readline())
        writer.close()
        return reply

    def clip_track(self, kind: str) -> Any:
        """Return a track that sends a clip's encoded frames in real time, looping."""
        from aiortc.mediastreams import MediaStreamTrack
        from av.packet import Packet

        clip = self.clips[kind]
        sent = self.sent
        step = int(1 / clip.fps / clip.time_base)

        class ClipTrack(MediaStreamTrack):
            """Encoded frames, paced; aiortc packs them without encoding."""

            def __init__(self) -> None:
                super().__init__()
                self.kind = kind
                self.index = 0
                self.start: float | None = None

            async def recv(self) -> Packet[Any]:
                """Return the next frame at its time."""
                loop = asyncio.get_running_loop()
                if self.start is None:
                    self.start = loop.time()
                wait = self.start + self.index / clip.fps - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                packet = Packet(clip.frames[self.index % len(clip.frames)])
                packet.pts = self.index * step
                packet.time_base = clip.time_base
                self.index += 1
                sent[kind] += 1
                return packet

        return ClipTrack()

    async def join(self, room: str, pid: str, role: str, video: bool) -> tuple[Any, float]:
        """Connect one client peer through the hub; return it and the offer-to-connected time."""
        from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        connected = asyncio.Event()

        def changed() -> None:
            if pc.connectionState == "connected":
                connected.set()

        pc.on("connectionstatechange", changed)
        pc.addTrack(self.clip_track("audio"))
        if video:
            pc.addTrack(self.clip_track("video"))
        await pc.setLocalDescription(await pc.createOffer())
        began = time.perf_counter()
        reply = await self.ask(
            {"op": "answer", "room": room, "pid": pid, "role": role, "sdp": pc.localDescription.sdp}
        )
        await pc.setRemoteDescription(RTCSessionDescription(sdp=reply["sdp"], type="answer"))
        await asyncio.wait_for(connected.wait(), CONNECT_TIMEOUT_S)
        self.peers.append(pc)
        return pc, time.perf_counter() - began

    async def add_sessions(self, count: int, video: bool) -> None:
        """Open one-to-one sessions, a few joins at a time."""
        gate = asyncio.Semaphore(6)

        async def session() -> None:
            room = str(uuid.uuid4())
            async with gate:
                await self.join(room, "c", "counsellor", video)
                await self.join(room, "b", "beneficiary", video)

        await asyncio.gather(*(session() for _ in range(count)))

    async def close_all(self) -> None:
        """Close every client peer and every hub peer."""
        await asyncio.gather(*(pc.close() for pc in self.peers))
        self.peers.clear()
        await self.ask({"op": "close_all"})

    async def window(self, kind: str) -> dict[str, float]:
        """Measure loss, and the hub's and the clients' CPU, over a steady window."""
        before_sent, before_received = self.sent[kind], self.received.total(kind)
        hub_before = (await self.ask({"op": "cpu"}))["cpu_s"]
        mine_before, began = time.process_time(), time.perf_counter()
        await asyncio.sleep(WINDOW_S)
        elapsed = time.perf_counter() - began
        hub_after = (await self.ask({"op": "cpu"}))["cpu_s"]
        sent = self.sent[kind] - before_sent
        received = self.received.total(kind) - before_received
        return {
            "loss": max(0.0, 1 - received / sent) if sent else 1.0,
            "hub_cpu": (hub_after - hub_before) / elapsed,
            "client_cpu": (time.process_time() - mine_before) / elapsed,
        }

    async def capacity(self, kind: str, label: str, steps: tuple[int, ...]) -> dict[str, float]:
        """Step the session count up until loss reaches 5%; return the last step under it."""
        video = kind == "video"
        held: dict[str, float] = {"sessions": 0, "loss": 0.0, "hub_cpu": 0.0, "client_cpu": 0.0}
        first: dict[str, float] | None = None
        opened = 0
        for sessions in steps:
            try:
                await self.add_sessions(sessions - opened, video)
            except TimeoutError:
                print(f"  {label}: {sessions} sessions: joins timed out", flush=True)
                break
            opened = sessions
            await asyncio.sleep(WARM_S)
            measured = await self.window(kind)
            print(
                f"  {label}: {sessions:>3} sessions  loss {measured['loss']:6.1%}  hub cpu "
                f"{measured['hub_cpu']:5.0%}  clients cpu {measured['client_cpu']:5.0%}",
                flush=True,
            )
            if first is None:
                first = measured
            if measured["loss"] >= LOSS_LIMIT:
                break
            held = {"sessions": float(sessions), **measured}
        await self.close_all()
        one = first or held
        return {
            f"relay_{label}_sessions_per_core": held["sessions"],
            f"relay_{label}_loss_pct_at_capacity": held["loss"] * 100,
            f"relay_{label}_hub_cpu_pct_at_capacity": held["hub_cpu"] * 100,
            f"relay_{label}_clients_cpu_pct_at_capacity": held["client_cpu"] * 100,
            f"relay_{label}_hub_cpu_pct_per_session_at_{steps[0]}": one["hub_cpu"] * 100 / steps[0],
        }

    async def joins(self) -> dict[str, float]:
        """Time offer to connected through the hub, then directly between two peers."""
        through: list[float] = []
        for _ in range(JOINS // 2):
            room = str(uuid.uuid4())
            for pid, role in (("c", "counsellor"), ("b", "beneficiary")):
                _, seconds = await self.join(room, pid, role, video=True)
                through.append(seconds * 1000)
            # aiortc is still starting the bundled transports just after "connected": closing
            # at once makes it log an error that has nothing to do with the relay.
            await asyncio.sleep(SETTLE_S)
            await self.close_all()
        direct = [await self.direct_join() * 1000 for _ in range(DIRECT_JOINS)]
        p50 = percentile(through, 50)
        return {
            "join_to_connected_p50_ms": p50,
            "join_to_connected_p99_ms": percentile(through, 99),
            "direct_connect_p50_ms": percentile(direct, 50),
            "ratio_join_p50_to_direct_connect_p50": p50 / percentile(direct, 50),
        }

    async def direct_join(self) -> float:
        """Connect two aiortc peers to each other; return the offer-to-connected time."""
        from aiortc import RTCConfiguration, RTCPeerConnection

        caller = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        callee = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        connected = asyncio.Event()
        caller.on(
            "connectionstatechange",
            lambda: connected.set() if caller.connectionState == "connected" else None,
        )
        for pc in (caller, callee):
            pc.addTrack(self.clip_track("audio"))
            pc.addTrack(self.clip_track("video"))
        await caller.setLocalDescription(await caller.createOffer())
        began = time.perf_counter()
        await callee.setRemoteDescription(caller.localDescription)
        await callee.setLocalDescription(await callee.createAnswer())
        await caller.setRemoteDescription(callee.localDescription)
        await asyncio.wait_for(connected.wait(), CONNECT_TIMEOUT_S)
        spent = time.perf_counter() - began
        await asyncio.sleep(SETTLE_S)
        await asyncio.gather(caller.close(), callee.close())
        return spent


async def drive(port: int, cores: set[int]) -> None:
    """Run the clients on the given cores; print each step, then the figures as JSON."""
    os.sched_setaffinity(0, cores)
    logging.getLogger("aiortc").setLevel(logging.ERROR)
    from remote_session.adapters.media import pin_host_addresses

    pin_host_addresses(("127.0.0.1",))
    driver = Driver(port, video_clip(), audio_clip())
    patch_client_decoders(driver.received)
    figures = await driver.joins()
    figures |= await driver.capacity("audio", "audio_only", AUDIO_STEPS)
    figures |= await driver.capacity("video", "video_480p", VIDEO_STEPS)
    await driver.ask({"op": "quit"})
    print(json.dumps(figures), flush=True)


# The benchmark


async def run() -> dict[str, float]:
    """Measure the codec baselines in-process, then the relay through two pinned processes."""
    cores = sorted(os.sched_getaffinity(0))
    hub_core = cores[-1]
    client_cores = set(cores[:-1]) or {hub_core}
    figures = await asyncio.to_thread(lambda: codec_costs(video_clip(), audio_clip()))
    print(
        f"  hub on core {hub_core}, clients on {sorted(client_cores)}"
        + ("" if len(cores) > 1 else " (one core: the clients share it, figures are low)")
    )
    with tempfile.TemporaryDirectory() as folder:
        hub_log = Path(folder) / "hub.log"
        with hub_log.open("wb") as errors:
            hub = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.relay", "hub", str(hub_core),
                stdout=asyncio.subprocess.PIPE, stderr=errors,
            )  # fmt: skip
            try:
                measured = await asyncio.wait_for(
                    through_hub(hub, client_cores, hub_log), BENCH_TIMEOUT_S
                )
            finally:
                if hub.returncode is None:
                    hub.kill()
                    await hub.wait()
    figures |= measured
    figures["ratio_video_480p_sessions_to_codec_bound"] = (
        figures["relay_video_480p_sessions_per_core"]
        / figures["codec_bound_video_sessions_per_core"]
    )
    figures["ratio_audio_only_sessions_to_codec_bound"] = (
        figures["relay_audio_only_sessions_per_core"]
        / figures["codec_bound_audio_sessions_per_core"]
    )
    return figures


async def through_hub(
    hub: asyncio.subprocess.Process, client_cores: set[int], hub_log: Path
) -> dict[str, float]:
    """Start the clients against the hub's port; relay their lines; return their figures."""
    assert hub.stdout is not None
    line = await hub.stdout.readline()
    if not line:
        await hub.wait()
        raise RuntimeError(f"the hub did not start: {await tail(hub_log)}")
    port = json.loads(line)["port"]
    clients = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.relay", "clients", str(port),
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


async def tail(path: Path) -> str:
    """Return the end of a log file."""
    return (await asyncio.to_thread(path.read_text))[-2000:]


def main(argv: list[str]) -> None:
    """Run one of the benchmark's processes: `hub CORE` or `clients PORT CORE...`."""
    what, *rest = argv
    runners: dict[str, Callable[[], Coroutine[Any, Any, None]]] = {
        "hub": lambda: serve_hub(int(rest[0])),
        "clients": lambda: drive(int(rest[0]), {int(c) for c in rest[1:]}),
    }
    asyncio.run(runners[what]())


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1:])
    else:
        result = asyncio.run(run())
        for key, value in result.items():
            print(f"  {key:<50} {value:>12.2f}")

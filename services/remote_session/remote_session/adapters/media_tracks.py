"""The relay's own tracks: taps on what a peer sends, and what each peer receives, re-stamped."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
import structlog
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, AudioResampler, VideoFrame
from av.frame import Frame
from av.packet import Packet

log = structlog.get_logger(__name__)

VIDEO_CLOCK_RATE = 90_000
VIDEO_TIME_BASE = Fraction(1, VIDEO_CLOCK_RATE)
AUDIO_RATE = 48_000
AUDIO_TIME_BASE = Fraction(1, AUDIO_RATE)
#: 20 ms at 48 kHz: Opus's usual frame, and the mixer's tick.
AUDIO_FRAME_SAMPLES = 960
AUDIO_TICK_S = AUDIO_FRAME_SAMPLES / AUDIO_RATE
#: A receiver keeps at most 100 ms of one source: past that, the oldest audio is dropped rather
#: than the delay growing (the network or the mixer fell behind).
INLET_CAP_SAMPLES = 5 * AUDIO_FRAME_SAMPLES
#: A source joins the mix once 40 ms are buffered, so the network's jitter does not starve it at
#: every tick.
INLET_PRIME_SAMPLES = 2 * AUDIO_FRAME_SAMPLES
#: The mixer's clock restarts rather than bursting to catch up when it is this late.
MIX_LATE_S = 0.1

Samples = npt.NDArray[np.int16]


class MediaClock:
    """A monotonic wall clock shared by a hub's tracks."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._origin = now()

    def ticks(self, rate: int) -> int:
        """Return the time elapsed since the clock was made, in 1/rate units."""
        return int((self._now() - self._origin) * rate)


class VideoStamper:
    """Gives one outgoing video track strictly increasing 90 kHz timestamps from the clock."""

    def __init__(self, clock: MediaClock) -> None:
        self._clock = clock
        self._last = -1

    def next(self) -> int:
        """Return the timestamp of a frame sent now."""
        self._last = max(self._clock.ticks(VIDEO_CLOCK_RATE), self._last + 1)
        return self._last


def mix(chunks: Sequence[Samples], samples: int) -> Samples:
    """Sum s16 mono chunks sample by sample, clipped to the s16 range."""
    total = np.zeros(samples, dtype=np.int32)
    for chunk in chunks:
        total[: len(chunk)] += chunk[:samples]
    return np.clip(total, -32768, 32767).astype(np.int16)


def mono_s16(frame: AudioFrame) -> Samples:
    """Return a s16 frame's samples (packed or planar, any channels) down-mixed to mono."""
    data: npt.NDArray[Any] = frame.to_ndarray()
    channels = len(frame.layout.channels)
    if channels == 1:
        mono: Samples = np.ascontiguousarray(data.reshape(-1), dtype=np.int16)
        return mono
    per_channel: npt.NDArray[Any] = data if frame.format.is_planar else data.reshape(-1, channels).T
    mixed: Samples = (per_channel.astype(np.int32).sum(axis=0) // channels).astype(np.int16)
    return mixed


def audio_frame(samples: Samples, pts: int) -> AudioFrame:
    """Build a s16 mono 48 kHz frame of the samples, numbered by its first sample."""
    # Mono: speech needs no more, and aiortc's sender measures every sample it is given in
    # Python (the RTP audio level), so a stereo frame would cost twice that.
    frame = AudioFrame(format="s16", layout="mono", samples=len(samples))
    frame.planes[0].update(samples.tobytes())
    frame.sample_rate = AUDIO_RATE
    frame.pts = pts
    frame.time_base = AUDIO_TIME_BASE
    return frame


class AudioInlet:
    """One receiver's bounded buffer of one source's audio, mono s16 at 48 kHz."""

    def __init__(
        self,
        wake: Callable[[], None],
        cap: int = INLET_CAP_SAMPLES,
        prime: int = INLET_PRIME_SAMPLES,
    ) -> None:
        self._wake = wake
        self._cap = cap
        self._prime = prime
        self._chunks: deque[Samples] = deque()
        self._samples = 0
        self.primed = False
        self.dropped = 0

    @property
    def samples(self) -> int:
        """Return how many samples are buffered."""
        return self._samples

    def push(self, chunk: Samples) -> None:
        """Buffer a chunk, dropping the oldest past the cap, and wake the receiver."""
        self._chunks.append(chunk)
        self._samples += len(chunk)
        while self._samples > self._cap and len(self._chunks) > 1:
            self._samples -= len(self._chunks.popleft())
            self.dropped += 1
        if self._samples >= self._prime:
            self.primed = True
        self._wake()

    def pop(self) -> Samples | None:
        """Return the oldest chunk whole (forwarding a single source), or None."""
        if not self._chunks:
            return None
        chunk = self._chunks.popleft()
        self._samples -= len(chunk)
        return chunk

    def take(self, samples: int) -> Samples | None:
        """Return exactly `samples` samples for the mix, or None while (re)priming."""
        if not self.primed:
            return None
        if self._samples < samples:
            # An underrun: wait for the prime again rather than sound in bits.
            self.primed = False
            return None
        parts: list[Samples] = []
        wanted = samples
        while wanted:
            head = self._chunks[0]
            if len(head) <= wanted:
                parts.append(self._chunks.popleft())
                wanted -= len(head)
            else:
                parts.append(head[:wanted])
                self._chunks[0] = head[wanted:]
                wanted = 0
        self._samples -= samples
        return parts[0] if len(parts) == 1 else np.concatenate(parts)


class SourceTap(MediaStreamTrack):
    """Reads one received track for the relay: counts its frames, hands audio to inlets."""

    def __init__(self, track: MediaStreamTrack) -> None:
        super().__init__()
        self.kind = track.kind
        self._track = track
        self._inlets: set[AudioInlet] = set()
        self._resampler: AudioResampler | None = None
        self.frames = 0

    def attach(self, inlet: AudioInlet) -> None:
        """Start handing this source's audio to an inlet."""
        self._inlets.add(inlet)

    def detach(self, inlet: AudioInlet) -> None:
        """Stop handing this source's audio to an inlet."""
        self._inlets.discard(inlet)

    async def recv(self) -> Frame | Packet[Any]:
        """Return the next received frame, after counting it and feeding the inlets."""
        frame = await self._track.recv()
        self.frames += 1
        if self._inlets and isinstance(frame, AudioFrame):
            chunk = self._samples(frame)
            for inlet in tuple(self._inlets):
                inlet.push(chunk)
        return frame

    def _samples(self, frame: AudioFrame) -> Samples:
        """Return the frame as mono s16 at 48 kHz, resampling codecs other than Opus."""
        if frame.sample_rate == AUDIO_RATE and frame.format.name in ("s16", "s16p"):
            return mono_s16(frame)
        if self._resampler is None:
            self._resampler = AudioResampler(format="s16", layout="mono", rate=AUDIO_RATE)
        parts = [mono_s16(out) for out in self._resampler.resample(frame)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)


class Downscaler:
    """Scales a source's pictures down to one height, once per picture for all its receivers."""

    def __init__(self, height: int) -> None:
        self.height = height
        # Two pictures: a receiver that read the previous one just before the next arrived
        # still finds it, rather than making the others scale the newest one again.
        self._recent: deque[tuple[VideoFrame, VideoFrame]] = deque(maxlen=2)
        self.scaled = 0

    def scale(self, frame: VideoFrame) -> VideoFrame:
        """Return the picture at most `height` high, its proportions kept."""
        if frame.height <= self.height:
            return frame
        for original, small in self._recent:
            # Identity, not equality: MediaRelay hands every subscriber the same frame object,
            # and the cache holds it, so its id cannot be reused by a newer frame meanwhile.
            if original is frame:
                return small
        # Even dimensions: yuv420p halves both for its colour planes.
        width = max(2, round(frame.width * self.height / frame.height / 2) * 2)
        small = frame.reformat(width=width, height=self.height)
        self._recent.append((frame, small))
        self.scaled += 1
        return small


class Source:
    """A participant's received track, relayed: a tap, its MediaRelay and the task draining it."""

    def __init__(self, participant_id: str, track: MediaStreamTrack, relay: MediaRelay) -> None:
        self.participant_id = participant_id
        self.kind = track.kind
        self.tap = SourceTap(track)
        self._relay = relay
        self._keeper: asyncio.Task[None] | None = None
        self._downscalers: dict[int, Downscaler] = {}

    def downscaler(self, height: int) -> Downscaler:
        """Return the scaler shared by every receiver of this source at this height."""
        scaler = self._downscalers.get(height)
        if scaler is None:
            scaler = self._downscalers[height] = Downscaler(height)
        return scaler

    def start(self) -> None:
        """Drain the track from now on, whether or not anyone receives it."""
        # Without a reader the received frames would pile up in aiortc's unbounded queue, and
        # MediaRelay only reads its source once a subscriber asks.
        self._keeper = asyncio.ensure_future(self._keep(self._relay.subscribe(self.tap, False)))

    def subscribe(self) -> MediaStreamTrack:
        """Return a new subscriber track that always holds the latest frame."""
        # Unbuffered: a receiver whose encoder falls behind skips to the newest frame instead
        # of queueing an ever longer delay.
        return self._relay.subscribe(self.tap, buffered=False)

    @property
    def frames(self) -> int:
        """Return how many frames were received from the participant."""
        return self.tap.frames

    async def _keep(self, proxy: MediaStreamTrack) -> None:
        """Read the track until it ends."""
        with contextlib.suppress(MediaStreamError):
            while True:
                await proxy.recv()

    def stop(self) -> None:
        """Stop draining (the track ends with its peer connection)."""
        if self._keeper is not None:
            self._keeper.cancel()


class VideoOut(MediaStreamTrack):
    """What one peer receives as video: the current source's frames, re-stamped."""

    kind = "video"

    def __init__(self, clock: MediaClock, height: int | None = None) -> None:
        super().__init__()
        self._stamper = VideoStamper(clock)
        #: None: the source's pictures as they come; else scaled down to this height.
        self.height = height
        self._source: Source | None = None
        self._proxy: MediaStreamTrack | None = None
        self._pending: asyncio.Future[Frame | Packet[Any]] | None = None
        self._pending_proxy: MediaStreamTrack | None = None
        self._wake: asyncio.Future[None] | None = None
        self.frames_sent = 0

    @property
    def source(self) -> Source | None:
        """Return the source currently forwarded."""
        return self._source

    def set_source(self, source: Source | None) -> None:
        """Forward another source from its next frame on (None: send nothing, keep the track)."""
        if source is self._source:
            return
        if self._proxy is not None:
            self._proxy.stop()
        self._source = source
        self._proxy = source.subscribe() if source is not None else None
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    async def recv(self) -> Frame | Packet[Any]:
        """Wait for the current source's next frame and stamp it with the shared clock."""
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            if self._proxy is None:
                await self._woken()
                continue
            if self._pending is None:
                self._pending_proxy = self._proxy
                self._pending = asyncio.ensure_future(self._proxy.recv())
            if self._wake is None or self._wake.done():
                self._wake = asyncio.get_running_loop().create_future()
            reading = self._pending
            await asyncio.wait((reading, self._wake), return_when=asyncio.FIRST_COMPLETED)
            if self._pending is not reading:
                # stop() ran while this read waited: the track has ended.
                raise MediaStreamError
            if not self._pending.done():
                # The source changed under a pending read: drop the read of the old one.
                if self._pending_proxy is not self._proxy:
                    self._pending.cancel()
                    self._pending = None
                continue
            pending, self._pending = self._pending, None
            error = pending.exception()
            if error is not None:
                if not isinstance(error, MediaStreamError):
                    raise error
                if self._pending_proxy is self._proxy:
                    # The source ended (its peer left): wait for the next one.
                    self._proxy = None
                    self._source = None
                continue
            frame = pending.result()
            if self._pending_proxy is not self._proxy or not isinstance(frame, VideoFrame):
                continue
            if self.height is not None and self._source is not None:
                # aiortc encodes once per sending peer: a smaller picture is what makes a
                # presenter's video to a dozen attendees fit on one core.
                frame = self._source.downscaler(self.height).scale(frame)
            # A relayed frame is shared by every receiver of the source, and aiortc encodes it
            # in a worker thread after recv returns: another receiver may restamp it before it
            # is encoded. Every stamp comes from the same wall clock, so whatever value an
            # encoder reads is still later than the frame it encoded before.
            frame.pts = self._stamper.next()
            frame.time_base = VIDEO_TIME_BASE
            self.frames_sent += 1
            return frame

    async def _woken(self) -> None:
        """Wait until the source changes."""
        if self._wake is None or self._wake.done():
            self._wake = asyncio.get_running_loop().create_future()
        await self._wake

    def stop(self) -> None:
        """End the track and drop its subscription."""
        super().stop()
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        if self._proxy is not None:
            self._proxy.stop()
            self._proxy = None
        self._source = None
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)


class AudioOut(MediaStreamTrack):
    """What one peer receives as audio: one source forwarded, or several mixed every 20 ms."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._ready = asyncio.Event()
        self._inlets: dict[Source, AudioInlet] = {}
        self._sent_samples = 0
        self._next_tick: float | None = None
        self.frames_sent = 0

    @property
    def sources(self) -> tuple[Source, ...]:
        """Return the sources currently heard."""
        return tuple(self._inlets)

    def set_sources(self, sources: Sequence[Source]) -> None:
        """Hear these sources from now on."""
        wanted = set(sources)
        for gone in [s for s in self._inlets if s not in wanted]:
            gone.tap.detach(self._inlets.pop(gone))
        for source in sources:
            if source not in self._inlets:
                inlet = AudioInlet(self._ready.set)
                self._inlets[source] = inlet
                source.tap.attach(inlet)
        self._ready.set()

    async def recv(self) -> Frame | Packet[Any]:
        """Return the next 20 ms (or the single source's next frame), numbered by samples."""
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            inlets = list(self._inlets.values())
            if len(inlets) == 1:
                # One source: forward it at its own pace, so its clock and ours never drift.
                self._next_tick = None
                chunk = inlets[0].pop()
                if chunk is None or not len(chunk):
                    self._ready.clear()
                    await self._ready.wait()
                    continue
                return self._emit(chunk)
            if not inlets:
                self._next_tick = None
                self._ready.clear()
                await self._ready.wait()
                continue
            await self._tick()
            if len(self._inlets) < 2 or self.readyState != "live":
                continue
            parts = [
                c for i in self._inlets.values() if (c := i.take(AUDIO_FRAME_SAMPLES)) is not None
            ]
            return self._emit(mix(parts, AUDIO_FRAME_SAMPLES))

    async def _tick(self) -> None:
        """Sleep until the mixer's next 20 ms tick."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self._next_tick is None or now - self._next_tick > MIX_LATE_S:
            self._next_tick = now
        elif self._next_tick > now:
            await asyncio.sleep(self._next_tick - now)
        self._next_tick += AUDIO_TICK_S

    def _emit(self, samples: Samples) -> AudioFrame:
        """Wrap samples in a new frame that follows the previous one sample for sample."""
        # A new frame for every receiver: Opus's resampler in aiortc wants each frame's pts to
        # follow the previous one exactly, and a relayed frame is shared.
        frame = audio_frame(samples, self._sent_samples)
        self._sent_samples += len(samples)
        self.frames_sent += 1
        return frame

    def stop(self) -> None:
        """End the track and leave every source."""
        super().stop()
        self.set_sources(())

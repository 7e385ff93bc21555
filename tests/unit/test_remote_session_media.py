"""The media relay's pure pieces: mixing, re-stamping, routing, candidate filtering, bad SDP."""

from __future__ import annotations

import asyncio
import uuid
from fractions import Fraction
from typing import Any

import aioice.ice
import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, VideoFrame
from av.frame import Frame
from av.packet import Packet
from pyee.asyncio import AsyncIOEventEmitter

from remote_session.adapters import media
from remote_session.adapters.media import (
    IceServer,
    MalformedSdpError,
    MediaHub,
    MediaOptions,
    MediaState,
    Presence,
    Route,
    checked_offer,
    is_loopback_candidate,
    loopback_only_sdp,
    pin_host_addresses,
    route,
)
from remote_session.adapters.media_tracks import (
    AudioInlet,
    AudioOut,
    Downscaler,
    MediaClock,
    Source,
    VideoOut,
    VideoStamper,
    audio_frame,
    mix,
    mono_s16,
)

CANDIDATE_LO = "candidate:1 1 udp 2130706431 127.0.0.1 34412 typ host"
CANDIDATE_LAN = "candidate:2 1 udp 2130706431 192.168.1.20 40000 typ host"
CANDIDATE_MDNS = "candidate:3 1 udp 2130706431 4f1e6a0c-2b1d.local 40001 typ host"
MEDIA_TAIL = (
    "a=rtcp-mux\r\n"
    "a=ice-ufrag:uXB9\r\n"
    "a=ice-pwd:vcltb6ghSF4TessAAOJPQH\r\n"
    "a=fingerprint:sha-256 3C:23:E7:84:F9:8D:BE:78:59:85:B5:A9:A8:74:62:CA:C8:7A:F3:6A:81:"
    "C2:F7:EA:BE:34:79:56:51:D6:7D:D6\r\n"
    "a=setup:actpass\r\n"
)
AUDIO = (
    "m=audio 34412 UDP/TLS/RTP/SAVPF 96 0\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "a=sendrecv\r\n"
    "a=mid:0\r\n"
    "a=rtpmap:96 opus/48000/2\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    f"a={CANDIDATE_LO}\r\n"
    f"a={CANDIDATE_LAN}\r\n"
    f"a={CANDIDATE_MDNS}\r\n" + MEDIA_TAIL
)
VIDEO = (
    "m=video 49431 UDP/TLS/RTP/SAVPF 97\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "a=sendrecv\r\n"
    "a=mid:1\r\n"
    "a=rtpmap:97 VP8/90000\r\n"
    "a=rtcp-fb:97 nack pli\r\n" + MEDIA_TAIL
)
HEAD = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
OFFER = HEAD + AUDIO + VIDEO


def tone(samples: int, value: int) -> np.ndarray[Any, np.dtype[np.int16]]:
    """Return constant s16 mono samples."""
    return np.full(samples, value, dtype=np.int16)


# Mixing and buffering


def test_mix_sums_and_clips() -> None:
    loud = tone(960, 30_000)
    mixed = mix([loud, loud, tone(960, -5)], 960)
    assert mixed.dtype == np.int16
    assert mixed.shape == (960,)
    assert int(mixed.max()) == 32767
    assert int(mix([tone(960, -30_000), tone(960, -30_000)], 960).min()) == -32768
    assert int(mix([tone(960, 100), tone(960, -40)], 960)[0]) == 60
    assert mix([tone(480, 5)], 960).tolist() == [5] * 480 + [0] * 480


def test_mix_of_nothing_is_silence() -> None:
    assert not mix([], 960).any()


def test_mono_s16_reads_mono_and_downmixes_stereo() -> None:
    mono = AudioFrame.from_ndarray(np.arange(4, dtype=np.int16).reshape(1, -1), "s16", "mono")
    assert mono_s16(mono).tolist() == [0, 1, 2, 3]
    packed = np.array([[10, 20, 30_000, 30_000]], dtype=np.int16)
    stereo = AudioFrame.from_ndarray(packed, format="s16", layout="stereo")
    assert mono_s16(stereo).tolist() == [15, 30_000]
    planar = np.array([[10, 30_000], [20, 30_000]], dtype=np.int16)
    split = AudioFrame.from_ndarray(planar, format="s16p", layout="stereo")
    assert mono_s16(split).tolist() == [15, 30_000]


def test_audio_frames_are_mono_48khz_numbered_by_samples() -> None:
    frame = audio_frame(tone(960, 7), 1920)
    assert (frame.samples, frame.sample_rate, frame.layout.name) == (960, 48_000, "mono")
    assert (frame.pts, frame.time_base) == (1920, Fraction(1, 48_000))
    assert frame.to_ndarray().reshape(-1).tolist() == [7] * 960


def test_inlet_primes_takes_exact_chunks_and_reprimes_after_underrun() -> None:
    wakes: list[int] = []
    inlet = AudioInlet(lambda: wakes.append(1))
    inlet.push(tone(960, 1))
    assert inlet.take(960) is None  # one frame is not enough to join the mix
    inlet.push(tone(700, 2))
    inlet.push(tone(700, 3))
    first = inlet.take(960)
    assert first is not None
    assert first.shape == (960,)
    assert int(first[-1]) == 1
    second = inlet.take(960)
    assert second is not None
    assert second.shape == (960,)
    assert (int(second[0]), int(second[-1])) == (2, 3)  # across two chunks
    assert inlet.samples == 440
    assert inlet.take(960) is None  # an underrun
    assert not inlet.primed
    assert len(wakes) == 3


def test_inlet_drops_the_oldest_past_its_cap() -> None:
    inlet = AudioInlet(lambda: None, cap=3 * 960)
    for value in range(5):
        inlet.push(tone(960, value))
    assert inlet.samples == 3 * 960
    assert inlet.dropped == 2
    popped = inlet.pop()
    assert popped is not None
    assert popped[0] == 2


# Re-stamping


def test_video_stamps_are_90khz_wall_clock_and_strictly_increasing() -> None:
    now = [10.0]
    clock = MediaClock(lambda: now[0])
    stamper = VideoStamper(clock)
    now[0] = 10.5
    assert stamper.next() == 45_000
    assert stamper.next() == 45_001  # same instant: still later than the last
    now[0] = 11.0
    assert stamper.next() == 90_000
    other = VideoStamper(clock)
    assert other.next() == 90_000  # every track of a hub reads one clock


class QueueTrack(MediaStreamTrack):
    """A track fed by the test."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.queue: asyncio.Queue[Frame | None] = asyncio.Queue()

    async def recv(self) -> Frame | Packet[Any]:
        """Return the next frame fed, ending on None."""
        frame = await self.queue.get()
        if frame is None:
            self.stop()
            raise MediaStreamError
        return frame


def audio_in(value: int, pts: int) -> AudioFrame:
    """Return a received-like 20 ms stereo frame whose pts is the sender's."""
    stereo = np.repeat(tone(960, value), 2).reshape(1, -1)
    frame = AudioFrame.from_ndarray(stereo, format="s16", layout="stereo")
    frame.sample_rate = 48_000
    frame.pts = pts
    frame.time_base = Fraction(1, 48_000)
    return frame


def video_in(pts: int) -> VideoFrame:
    """Return a small received-like frame whose pts is the sender's."""
    frame = VideoFrame(32, 32, "yuv420p")
    frame.pts = pts
    frame.time_base = Fraction(1, 90_000)
    return frame


async def test_audio_single_source_is_forwarded_and_numbered_by_samples() -> None:
    track = QueueTrack("audio")
    source = Source("b-1", track, MediaRelay())
    out = AudioOut()
    out.set_sources([source])
    source.start()
    for index, pts in enumerate((123_456, 999, 5)):  # a sender's pts, even going backwards
        await track.queue.put(audio_in(index + 1, pts))
    frames = [await asyncio.wait_for(out.recv(), 1) for _ in range(3)]
    assert [f.pts for f in frames] == [0, 960, 1920]
    assert all(isinstance(f, AudioFrame) and f.sample_rate == 48_000 for f in frames)
    assert out.frames_sent == 3
    assert source.frames == 3
    source.stop()
    out.stop()


async def test_audio_several_sources_are_mixed_every_20_ms() -> None:
    tracks = [QueueTrack("audio"), QueueTrack("audio")]
    sources = [Source(f"a-{i}", t, MediaRelay()) for i, t in enumerate(tracks)]
    out = AudioOut()
    out.set_sources(sources)
    for source in sources:
        source.start()
    for n in range(3):
        await tracks[0].queue.put(audio_in(100, n * 960))
        await tracks[1].queue.put(audio_in(-30, n * 960))
    await asyncio.sleep(0.05)
    started = asyncio.get_running_loop().time()
    frames = [await asyncio.wait_for(out.recv(), 1) for _ in range(3)]
    elapsed = asyncio.get_running_loop().time() - started
    assert [f.pts for f in frames] == [0, 960, 1920]
    assert isinstance(frames[0], AudioFrame)
    assert frames[0].to_ndarray().reshape(-1).tolist() == [70] * 960
    assert elapsed >= 0.035  # paced by the mixer's clock, not by the sources
    # A source no longer heard (muted, or gone) leaves the mix at once.
    out.set_sources(sources[:1])
    assert out.sources == (sources[0],)
    for source in sources:
        source.stop()
    out.stop()


async def test_video_waits_without_source_then_restamps_the_current_one() -> None:
    clock = MediaClock()
    out = VideoOut(clock)
    pending = asyncio.ensure_future(out.recv())
    await asyncio.sleep(0.05)
    assert not pending.done()  # no source: the track waits, it does not end

    first = QueueTrack("video")
    source = Source("c-1", first, MediaRelay())
    source.start()
    out.set_source(source)
    await asyncio.sleep(0.02)  # a new subscriber takes frames from its first read on
    await first.queue.put(video_in(3_000_000))
    frame = await asyncio.wait_for(pending, 1)
    assert isinstance(frame, VideoFrame)
    assert frame.time_base == Fraction(1, 90_000)
    assert frame.pts is not None
    assert frame.pts < 3_000_000

    # The source ends (its peer left): the track waits again, and a new source carries on with
    # later timestamps even though the new sender's own are lower.
    await first.queue.put(None)
    pending = asyncio.ensure_future(out.recv())
    await asyncio.sleep(0.05)
    assert not pending.done()
    second = QueueTrack("video")
    rejoined = Source("c-1", second, MediaRelay())
    rejoined.start()
    out.set_source(rejoined)
    await asyncio.sleep(0.02)
    await second.queue.put(video_in(0))
    later = await asyncio.wait_for(pending, 1)
    assert later.pts is not None
    assert later.pts > frame.pts
    assert out.frames_sent == 2

    # No source (the receiver went audio only): nothing comes, the track stays live.
    out.set_source(None)
    pending = asyncio.ensure_future(out.recv())
    await second.queue.put(video_in(10))
    await asyncio.sleep(0.05)
    assert not pending.done()
    out.stop()
    with pytest.raises(MediaStreamError):
        await asyncio.wait_for(pending, 1)
    rejoined.stop()


def picture(width: int, height: int) -> VideoFrame:
    """Return a received-like frame of the given size."""
    frame = VideoFrame(width, height, "yuv420p")
    frame.pts = 0
    frame.time_base = Fraction(1, 90_000)
    return frame


def test_downscaler_scales_once_per_picture_and_keeps_proportions() -> None:
    scaler = Downscaler(240)
    big, wide, small = picture(640, 480), picture(1280, 720), picture(320, 180)
    scaled = scaler.scale(big)
    assert (scaled.width, scaled.height) == (320, 240)
    assert scaler.scale(big) is scaled  # the same picture is not scaled twice
    assert (scaler.scale(wide).width, scaler.scale(wide).height) == (426, 240)
    assert scaler.scale(big) is scaled  # the previous picture is still remembered
    assert scaler.scale(small) is small  # never scaled up
    assert scaler.scaled == 2


def test_media_options_refuse_an_odd_height() -> None:
    with pytest.raises(ValueError, match="even"):
        MediaOptions(collective_video_height=241)
    assert MediaOptions(collective_video_height=None).collective_video_height is None


async def test_scaled_receivers_share_one_scaled_picture_and_others_get_the_original() -> None:
    track = QueueTrack("video")
    source = Source("p-1", track, MediaRelay())
    source.start()
    clock = MediaClock()
    small_outs = [VideoOut(clock, 120), VideoOut(clock, 120)]
    full_out = VideoOut(clock)
    for out in (*small_outs, full_out):
        out.set_source(source)
    pending = [asyncio.ensure_future(out.recv()) for out in (*small_outs, full_out)]
    await asyncio.sleep(0.02)
    original = picture(320, 240)
    await track.queue.put(original)
    first, second, full = await asyncio.wait_for(asyncio.gather(*pending), 1)
    assert isinstance(first, VideoFrame)
    assert isinstance(full, VideoFrame)
    assert (first.width, first.height) == (160, 120)
    assert second is first  # scaled once for every receiver at that height
    assert full is original
    assert source.downscaler(120).scaled == 1
    for out in (*small_outs, full_out):
        out.stop()
    source.stop()


# Routing


def test_one_to_one_each_receives_the_other() -> None:
    people = [Presence("c-1", "counsellor"), Presence("b-1", "beneficiary")]
    assert route("one_to_one", people, "c-1") == Route(("b-1",), "b-1")
    assert route("one_to_one", people, "b-1") == Route(("c-1",), "c-1")


def test_one_to_one_audio_only_receiver_gets_no_video_and_the_other_side_keeps_it() -> None:
    people = [Presence("c-1", "counsellor"), Presence("b-1", "beneficiary", audio_only=True)]
    assert route("one_to_one", people, "b-1") == Route(("c-1",), None)
    assert route("one_to_one", people, "c-1") == Route(("b-1",), "b-1")


def test_muted_and_absent_sources_are_not_heard() -> None:
    people = [
        Presence("c-1", "counsellor", muted=True),
        Presence("b-1", "beneficiary", sends_video=False),
    ]
    assert route("one_to_one", people, "b-1") == Route((), "c-1")
    assert route("one_to_one", people, "c-1") == Route(("b-1",), None)
    assert route("one_to_one", people[:1], "c-1") == Route((), None)


def test_collective_everyone_sees_the_presenter_and_hears_the_other_unmuted() -> None:
    people = [
        Presence("a-1", "attendee"),
        Presence("p-1", "presenter"),
        Presence("a-2", "attendee", muted=True),
        Presence("a-3", "attendee", sends_video=False),
    ]
    assert route("collective", people, "a-1") == Route(("p-1", "a-3"), "p-1")
    assert route("collective", people, "a-2") == Route(("a-1", "p-1", "a-3"), "p-1")
    assert route("collective", people, "p-1") == Route(("a-1", "a-3"), None)
    audio_only = [*people[:3], Presence("a-3", "attendee", audio_only=True)]
    assert route("collective", audio_only, "a-3") == Route(("a-1", "p-1"), None)


# Candidates


def test_only_loopback_candidates_pass() -> None:
    assert is_loopback_candidate(CANDIDATE_LO)
    assert is_loopback_candidate("a=" + CANDIDATE_LO)
    assert is_loopback_candidate("candidate:4 1 udp 1 ::1 5000 typ host")
    assert not is_loopback_candidate(CANDIDATE_LAN)
    assert not is_loopback_candidate(CANDIDATE_MDNS)
    assert not is_loopback_candidate("candidate:nonsense")


def test_loopback_only_sdp_drops_the_other_candidates_and_keeps_the_rest() -> None:
    kept = loopback_only_sdp(OFFER)
    assert CANDIDATE_LO in kept
    assert CANDIDATE_LAN not in kept
    assert CANDIDATE_MDNS not in kept
    assert kept.count("\r\n") == OFFER.count("\r\n") - 2
    assert kept.replace(f"a={CANDIDATE_LO}\r\n", "") == OFFER.replace(
        f"a={CANDIDATE_LO}\r\n", ""
    ).replace(f"a={CANDIDATE_LAN}\r\n", "").replace(f"a={CANDIDATE_MDNS}\r\n", "")


def test_pinning_host_addresses_replaces_aioice_discovery_once() -> None:
    current = aioice.ice.get_host_addresses
    # A hub built earlier in the same process (the page tests' stack) may have pinned already.
    original = getattr(current, "original", current)
    try:
        pin_host_addresses(("127.0.0.1", "::1"))
        pin_host_addresses(("127.0.0.1", "::1"))
        assert aioice.ice.get_host_addresses(True, False) == ["127.0.0.1"]
        assert aioice.ice.get_host_addresses(True, True) == ["127.0.0.1", "::1"]
        pin_host_addresses(())
        assert aioice.ice.get_host_addresses is original
    finally:
        setattr(aioice.ice, "get_host_addresses", current)  # noqa: B010


# Malformed offers


def test_a_well_formed_offer_passes() -> None:
    parsed = checked_offer(OFFER)
    assert [m.kind for m in parsed.media] == ["audio", "video"]
    assert [m.kind for m in checked_offer(HEAD + AUDIO).media] == ["audio"]


@pytest.mark.parametrize(
    "offer",
    [
        "garbage",
        "",
        None,
        42,
        b"v=0",
        {"sdp": OFFER},
        HEAD,  # no m-line at all
        HEAD + VIDEO,  # video without audio
        HEAD + AUDIO + AUDIO,  # two audio m-lines
        OFFER.replace("a=ice-pwd:vcltb6ghSF4TessAAOJPQH\r\n", ""),
        OFFER.replace("a=rtcp-mux\r\n", ""),
        HEAD + AUDIO.replace("a=fingerprint:sha-256", "a=x-fingerprint:sha-256"),
        HEAD + "m=audio notaport UDP/TLS/RTP/SAVPF 96\r\n" + MEDIA_TAIL,
        HEAD + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n" + MEDIA_TAIL,
        "x" * 200_000,
    ],
)
def test_malformed_offers_are_refused(offer: object) -> None:
    with pytest.raises(MalformedSdpError):
        checked_offer(offer)


async def test_the_hub_refuses_malformed_offers_and_holds_nothing() -> None:
    reported: list[MediaState] = []

    async def on_state(room_id: uuid.UUID, participant_id: str, state: MediaState) -> None:
        reported.append(state)

    hub = MediaHub(MediaOptions(), on_state)
    room = uuid.uuid4()
    # An offer that parses but offers no codec the relay knows fails in aiortc itself.
    unknown_codec = HEAD + AUDIO.replace("96 0\r\n", "111\r\n").replace(
        "a=rtpmap:96 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n", "a=rtpmap:111 nope/1000\r\n"
    )
    for offer in ("garbage", HEAD, unknown_codec, 7):
        with pytest.raises(MalformedSdpError):
            await hub.answer(room, "b-1", "beneficiary", "one_to_one", offer, audio_only=False)  # type: ignore[arg-type]
    with pytest.raises(MalformedSdpError):
        await hub.echo(uuid.uuid4(), "garbage")
    assert (hub.rooms(), hub.peers()) == (0, 0)
    assert hub.stats(room).participants == {}
    assert reported == []
    # Candidates for nobody are ignored; a malformed one for somebody is refused (see the
    # integration tests for live peers).
    await hub.add_candidate(room, "b-1", CANDIDATE_LO, "0", 0)
    await hub.close()


# Connection states, with a stand-in for aiortc's peer connection


class FakePeerConnection(AsyncIOEventEmitter):
    """Answers anything and changes state when told."""

    made: list[FakePeerConnection] = []

    def __init__(self, configuration: RTCConfiguration) -> None:
        super().__init__()
        self.configuration = configuration
        self.connectionState = "new"
        self.localDescription: RTCSessionDescription | None = None
        self.tracks: list[MediaStreamTrack] = []
        self.closed = False
        FakePeerConnection.made.append(self)

    async def setRemoteDescription(self, description: RTCSessionDescription) -> None:  # noqa: N802 (aiortc's name)
        """Accept the offer."""

    def getTransceivers(self) -> list[object]:  # noqa: N802 (aiortc's name)
        """Offer nothing to receive."""
        return []

    def addTrack(self, track: MediaStreamTrack) -> None:  # noqa: N802 (aiortc's name)
        """Keep the track."""
        self.tracks.append(track)

    async def createAnswer(self) -> RTCSessionDescription:  # noqa: N802 (aiortc's name)
        """Return a placeholder answer."""
        return RTCSessionDescription(sdp="v=0 answer", type="answer")

    async def setLocalDescription(self, description: RTCSessionDescription) -> None:  # noqa: N802 (aiortc's name)
        """Keep the answer."""
        self.localDescription = description

    def become(self, state: str) -> None:
        """Change state as aiortc does: set it, then emit."""
        self.connectionState = state
        self.emit("connectionstatechange")

    async def close(self) -> None:
        """Close, as aiortc does: closed state, then no more events."""
        if not self.closed:
            self.closed = True
            self.become("closed")
            self.remove_all_listeners()


@pytest.fixture
def fake_pcs(monkeypatch: pytest.MonkeyPatch) -> list[FakePeerConnection]:
    """Make the hub build stand-in peer connections."""
    FakePeerConnection.made = []
    monkeypatch.setattr(media, "RTCPeerConnection", FakePeerConnection)
    return FakePeerConnection.made


async def settle() -> None:
    """Let the hub's background reports run."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_states_are_reported_and_a_failed_peer_is_closed(
    fake_pcs: list[FakePeerConnection],
) -> None:
    reported: list[tuple[str, MediaState]] = []

    async def on_state(room_id: uuid.UUID, participant_id: str, state: MediaState) -> None:
        reported.append((participant_id, state))

    hub = MediaHub(MediaOptions(), on_state)
    room = uuid.uuid4()
    answer = await hub.answer(room, "b-1", "beneficiary", "one_to_one", OFFER, audio_only=False)
    assert answer == "v=0 answer"
    (pc,) = fake_pcs
    assert pc.configuration.iceServers == []  # never aiortc's default public STUN server
    assert sorted(t.kind for t in pc.tracks) == ["audio", "video"]
    pc.become("connecting")
    pc.become("connected")
    await settle()
    assert hub.stats(room).participants["b-1"].state == "connected"
    pc.become("failed")
    await settle()
    assert pc.closed
    assert reported == [
        ("b-1", "connecting"),
        ("b-1", "connected"),
        ("b-1", "failed"),
        ("b-1", "closed"),
    ]
    assert (hub.rooms(), hub.peers()) == (0, 0)
    await hub.close()


async def test_a_new_answer_replaces_the_connected_peer_silently(
    fake_pcs: list[FakePeerConnection],
) -> None:
    reported: list[tuple[str, MediaState]] = []

    async def on_state(room_id: uuid.UUID, participant_id: str, state: MediaState) -> None:
        reported.append((participant_id, state))

    hub = MediaHub(
        MediaOptions(ice_servers=(IceServer(("turn:turn.example.org",), "u", "p"),)), on_state
    )
    room = uuid.uuid4()
    await hub.answer(room, "b-1", "beneficiary", "one_to_one", OFFER, audio_only=False)
    await hub.answer(room, "b-1", "beneficiary", "one_to_one", HEAD + AUDIO, audio_only=True)
    first, second = fake_pcs
    await settle()
    assert first.closed
    assert not second.closed
    assert [t.kind for t in second.tracks] == ["audio"]  # a phone's offer: audio only
    assert second.configuration.iceServers is not None
    assert second.configuration.iceServers[0].urls == ["turn:turn.example.org"]
    assert reported == []  # the replaced connection's closing is nobody's news
    assert hub.peers() == 1
    assert hub.stats(room).participants["b-1"].audio_only
    await hub.leave(room, "b-1")
    await settle()
    assert second.closed
    assert reported == []
    assert (hub.rooms(), hub.peers()) == (0, 0)

"""The media hub relays real aiortc peers on loopback: both ways, audio only, rejoin, collective."""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, VideoFrame
from av.frame import Frame
from av.packet import Packet

from remote_session.adapters import media
from remote_session.adapters.media import (
    MalformedSdpError,
    MediaHub,
    MediaOptions,
    MediaState,
    ParticipantRole,
    RoomKind,
)

RATE = 48_000
FPS = 15
WIDTH, HEIGHT = 160, 120
#: How long a condition may take to come true on a loaded machine.
PATIENCE_S = 10.0


class ToneTrack(MediaStreamTrack):
    """A sine tone, 20 ms frames of s16 mono at 48 kHz, paced in real time."""

    kind = "audio"

    def __init__(self, hertz: float) -> None:
        super().__init__()
        self._hertz = hertz
        self._sent = 0
        self._start: float | None = None

    async def recv(self) -> Frame | Packet[Any]:
        """Return the next 20 ms of the tone."""
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        wait = self._start + self._sent / RATE - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        t = (np.arange(960) + self._sent) / RATE
        samples = (0.2 * 32767 * np.sin(2 * math.pi * self._hertz * t)).astype(np.int16)
        frame = AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self._sent
        frame.time_base = Fraction(1, RATE)
        self._sent += 960
        return frame


class PatternTrack(MediaStreamTrack):
    """A small moving pattern at 15 fps, paced in real time."""

    kind = "video"

    def __init__(self, width: int = WIDTH, height: int = HEIGHT) -> None:
        super().__init__()
        self._width, self._height = width, height
        self._count = 0
        self._start: float | None = None

    async def recv(self) -> Frame | Packet[Any]:
        """Return the next frame."""
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        wait = self._start + self._count / FPS - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        image = np.zeros((self._height, self._width, 3), dtype=np.uint8)
        image[:, (self._count * 4) % self._width :][:, :16] = 255
        frame = VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = self._count * 90_000 // FPS
        frame.time_base = Fraction(1, 90_000)
        self._count += 1
        return frame


class Client:
    """An aiortc peer as a browser would be: it offers, sends a tone and a pattern, counts."""

    def __init__(
        self, hertz: float, *, video: bool = True, size: tuple[int, int] = (WIDTH, HEIGHT)
    ) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc.addTrack(ToneTrack(hertz))
        if video:
            self.pc.addTrack(PatternTrack(*size))
        self.frames = {"audio": 0, "video": 0}
        #: The width and height of every picture received.
        self.sizes: set[tuple[int, int]] = set()
        self.heard: deque[npt.NDArray[np.int16]] = deque(maxlen=25)
        self._readers: list[asyncio.Task[None]] = []
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        self._readers.append(asyncio.ensure_future(self._read(track)))

    async def _read(self, track: MediaStreamTrack) -> None:
        """Count the decoded frames of a received track; keep the last 0.5 s of audio."""
        try:
            while True:
                frame = await track.recv()
                self.frames[track.kind] += 1
                if isinstance(frame, VideoFrame):
                    self.sizes.add((frame.width, frame.height))
                if isinstance(frame, AudioFrame):
                    samples = np.asarray(frame.to_ndarray(), dtype=np.int16)
                    self.heard.append(samples.reshape(-1, 2)[:, 0].copy())
        except MediaStreamError:
            return

    async def offer(self) -> str:
        """Return the offer, candidates gathered."""
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription.sdp

    async def join(
        self,
        hub: MediaHub,
        room_id: uuid.UUID,
        participant_id: str,
        role: ParticipantRole,
        kind: RoomKind = "one_to_one",
        *,
        audio_only: bool = False,
    ) -> None:
        """Offer to the hub and apply its answer."""
        answer = await hub.answer(
            room_id, participant_id, role, kind, await self.offer(), audio_only=audio_only
        )
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

    def hears(self, hertz: float) -> bool:
        """Tell whether the last 0.5 s received carries the tone (a tenth of the energy)."""
        if len(self.heard) < 10:
            return False
        samples = np.concatenate(list(self.heard)).astype(np.float64)
        spectrum = np.abs(np.fft.rfft(samples)) ** 2
        freqs = np.fft.rfftfreq(len(samples), 1 / RATE)
        band = spectrum[(freqs > hertz - 30) & (freqs < hertz + 30)].sum()
        return bool(band > 0.1 * spectrum.sum())

    async def close(self) -> None:
        """Close the peer connection and stop counting."""
        await self.pc.close()
        for reader in self._readers:
            reader.cancel()


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait until the condition holds, failing after PATIENCE_S."""
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {what}")
        await asyncio.sleep(0.05)


async def growth(client: Client, seconds: float) -> dict[str, int]:
    """Return how many frames of each kind the client receives over the next seconds."""
    before = dict(client.frames)
    await asyncio.sleep(seconds)
    return {kind: client.frames[kind] - before[kind] for kind in before}


class States:
    """Records the hub's state reports."""

    def __init__(self) -> None:
        self.seen: list[tuple[uuid.UUID, str, MediaState]] = []

    async def __call__(self, room_id: uuid.UUID, participant_id: str, state: MediaState) -> None:
        """Record one report."""
        self.seen.append((room_id, participant_id, state))

    def of(self, participant_id: str) -> list[MediaState]:
        """Return one participant's states in order."""
        return [s for _, p, s in self.seen if p == participant_id]


@pytest.fixture
async def states() -> States:
    """Return a fresh state recorder."""
    return States()


@pytest.fixture
async def hub(states: States) -> AsyncIterator[MediaHub]:
    """Run a hub that keeps media on loopback."""
    media = MediaHub(MediaOptions(host_addresses=("127.0.0.1",), loopback_only=True), states)
    yield media
    await media.close()


@pytest.fixture
async def clients() -> AsyncIterator[list[Client]]:
    """Collect the test's clients and close them at the end."""
    made: list[Client] = []
    yield made
    for client in made:
        await client.close()


async def test_each_side_receives_the_others_audio_and_video(
    hub: MediaHub, states: States, clients: list[Client]
) -> None:
    room = uuid.uuid4()
    counsellor, beneficiary = Client(440), Client(1200)
    clients += [counsellor, beneficiary]
    await counsellor.join(hub, room, "c-1", "counsellor")
    await beneficiary.join(hub, room, "b-1", "beneficiary")

    await until(
        lambda: all(c.frames["video"] > 10 and c.frames["audio"] > 25 for c in clients),
        "both sides receive audio and video",
    )
    await until(lambda: counsellor.hears(1200) and beneficiary.hears(440), "each hears the other")
    assert not counsellor.hears(440)
    assert states.of("c-1")[-1] == "connected"
    assert states.of("b-1")[-1] == "connected"
    stats = hub.stats(room).participants
    for pid in ("c-1", "b-1"):
        assert stats[pid].frames_received.audio > 0
        assert stats[pid].frames_received.video > 0
        assert stats[pid].packets_received.video >= stats[pid].frames_received.video
        assert stats[pid].frames_sent.audio > 0
        assert stats[pid].frames_sent.video > 0
    assert (hub.rooms(), hub.peers()) == (1, 2)

    # A malformed offer from a third peer changes nothing in the room.
    with pytest.raises(MalformedSdpError):
        await hub.answer(
            room, "x-1", "beneficiary", "one_to_one", "v=0\r\ngarbage", audio_only=False
        )
    assert hub.peers() == 2
    flowing = await growth(counsellor, 0.6)
    assert flowing["audio"] > 10
    assert flowing["video"] > 3


async def test_audio_only_stops_video_to_that_side_and_keeps_the_rest(
    hub: MediaHub, clients: list[Client]
) -> None:
    room = uuid.uuid4()
    counsellor, beneficiary = Client(440), Client(1200)
    clients += [counsellor, beneficiary]
    await counsellor.join(hub, room, "c-1", "counsellor")
    await beneficiary.join(hub, room, "b-1", "beneficiary")
    await until(lambda: all(c.frames["video"] > 5 for c in clients), "video flows both ways")

    hub.set_state(room, "b-1", muted=False, audio_only=True)
    await asyncio.sleep(0.4)
    to_beneficiary, to_counsellor = await asyncio.gather(
        growth(beneficiary, 1.0), growth(counsellor, 1.0)
    )
    assert to_beneficiary["video"] == 0
    assert to_beneficiary["audio"] > 30
    assert to_counsellor["video"] > 5
    assert to_counsellor["audio"] > 30
    assert hub.stats(room).participants["b-1"].audio_only

    # Back to video: the same track carries it again, with no new negotiation.
    hub.set_state(room, "b-1", muted=False, audio_only=False)
    await until(lambda: beneficiary.frames["video"] > 0, "video again")
    assert (await growth(beneficiary, 0.8))["video"] > 5


async def test_a_participant_who_leaves_and_rejoins_is_relayed_again(
    hub: MediaHub, states: States, clients: list[Client]
) -> None:
    room = uuid.uuid4()
    counsellor, first = Client(440), Client(1200)
    clients += [counsellor, first]
    await counsellor.join(hub, room, "c-1", "counsellor")
    await first.join(hub, room, "b-1", "beneficiary")
    await until(lambda: all(c.frames["video"] > 5 for c in clients), "video flows both ways")

    await first.close()
    await hub.leave(room, "b-1")
    assert hub.peers() == 1
    await asyncio.sleep(0.3)
    assert (await growth(counsellor, 0.5)) == {"audio": 0, "video": 0}

    # The counsellor's connection is the same one: it sees and hears the newcomer again.
    second = Client(1500)
    clients.append(second)
    await second.join(hub, room, "b-1", "beneficiary")
    await until(lambda: second.frames["video"] > 5 and second.hears(440), "rejoined, receives")
    await until(lambda: counsellor.hears(1500), "the counsellor hears the rejoined beneficiary")
    assert (await growth(counsellor, 0.8))["video"] > 5

    # A second answer for a connected participant (a reload) replaces the older connection.
    third = Client(1800)
    clients.append(third)
    await third.join(hub, room, "b-1", "beneficiary")
    assert hub.peers() == 2
    await until(lambda: third.frames["video"] > 5, "the newest connection receives")
    await until(lambda: counsellor.hears(1800), "the counsellor hears the newest connection")
    await asyncio.sleep(0.3)
    assert (await growth(second, 0.5))["video"] == 0
    assert "connected" in states.of("b-1")


async def test_collective_room_shows_the_presenter_and_mixes_the_unmuted(
    hub: MediaHub, clients: list[Client]
) -> None:
    room = uuid.uuid4()
    presenter = Client(400)
    # The third attendee joined by phone: an offer with audio only.
    speaker, quiet, phone = Client(1000), Client(2500), Client(1700, video=False)
    clients += [presenter, speaker, quiet, phone]
    await presenter.join(hub, room, "p-1", "presenter", "collective")
    for pid, client in (("a-1", speaker), ("a-2", quiet), ("a-3", phone)):
        await client.join(hub, room, pid, "attendee", "collective")
    hub.set_state(room, "a-2", muted=True, audio_only=False)
    hub.set_state(room, "a-3", muted=True, audio_only=False)

    await until(lambda: speaker.frames["video"] > 5 and quiet.frames["video"] > 5, "attendees see")
    await until(lambda: quiet.hears(1000) and phone.hears(1000), "the unmuted attendee is heard")
    await until(lambda: quiet.hears(400) and speaker.hears(400), "the presenter is heard")
    await until(lambda: presenter.hears(1000), "the presenter hears the unmuted attendee")
    for listener in (presenter, speaker, quiet, phone):
        assert not listener.hears(2500)
        assert not listener.hears(1700)
    assert not speaker.hears(1000)
    # Nobody else presents: the presenter receives no video.
    assert presenter.frames["video"] == 0
    stats = hub.stats(room).participants
    assert stats["a-3"].frames_received.video == 0
    assert stats["a-3"].frames_sent.audio > 0
    assert stats["p-1"].frames_sent.video == 0


async def test_attendees_see_a_smaller_picture_and_one_to_one_keeps_full_size(
    states: States, clients: list[Client]
) -> None:
    options = MediaOptions(
        host_addresses=("127.0.0.1",), loopback_only=True, collective_video_height=120
    )
    hub = MediaHub(options, states)
    try:
        meeting, call = uuid.uuid4(), uuid.uuid4()
        presenter, first, second = Client(400, size=(320, 240)), Client(1000), Client(1500)
        counsellor, beneficiary = Client(440), Client(1200, size=(320, 240))
        clients += [presenter, first, second, counsellor, beneficiary]
        await presenter.join(hub, meeting, "p-1", "presenter", "collective")
        await first.join(hub, meeting, "a-1", "attendee", "collective")
        await second.join(hub, meeting, "a-2", "attendee", "collective")
        await counsellor.join(hub, call, "c-1", "counsellor")
        await beneficiary.join(hub, call, "b-1", "beneficiary")

        await until(
            lambda: all(c.frames["video"] > 10 for c in (first, second, counsellor)),
            "attendees and the counsellor see",
        )
        # Scaled to the option's height, proportions kept, for every attendee.
        assert first.sizes == {(160, 120)}
        assert second.sizes == {(160, 120)}
        # One to one, the picture goes as sent.
        assert counsellor.sizes == {(320, 240)}
    finally:
        await hub.close()


async def test_the_check_sends_the_browsers_own_media_back_then_expires(
    hub: MediaHub, clients: list[Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(media, "ECHO_SECONDS", 1.5)
    browser = Client(880)
    clients.append(browser)
    check = uuid.uuid4()
    answer = await hub.echo(check, await browser.offer())
    await browser.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    await until(lambda: browser.frames["video"] > 5 and browser.hears(880), "its own media back")
    assert (hub.rooms(), hub.peers()) == (0, 1)
    await until(lambda: hub.peers() == 0, "the check closes itself")
    await asyncio.sleep(0.3)
    assert (await growth(browser, 0.5))["video"] == 0


async def test_trickled_candidates_are_filtered_and_checked(
    hub: MediaHub, clients: list[Client]
) -> None:
    room = uuid.uuid4()
    counsellor = Client(440)
    clients.append(counsellor)
    await counsellor.join(hub, room, "c-1", "counsellor")
    lan = "candidate:2 1 udp 2130706431 192.168.1.20 40000 typ host"
    await hub.add_candidate(room, "c-1", lan, "0", 0)  # dropped: loopback only
    await hub.add_candidate(room, "c-1", "candidate:9 1 udp 1 127.0.0.1 40000 typ host", "0", 0)
    with pytest.raises(MalformedSdpError):
        await hub.add_candidate(room, "c-1", "candidate:oops", "0", 0)
    await until(lambda: hub.stats(room).participants["c-1"].state == "connected", "connected")

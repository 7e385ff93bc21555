"""The server-side WebRTC relay: one aiortc peer connection per participant, tracks routed."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args
from uuid import UUID

import aioice.ice
import structlog
from aiortc import (
    RTCConfiguration,
    RTCIceCandidate,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaRelay
from aiortc.sdp import SessionDescription, candidate_from_sdp

from remote_session.adapters.media_tracks import AudioOut, MediaClock, Source, VideoOut

log = structlog.get_logger(__name__)

ParticipantRole = Literal["counsellor", "beneficiary", "presenter", "attendee"]
RoomKind = Literal["one_to_one", "collective"]
MediaState = Literal["new", "connecting", "connected", "failed", "closed"]
MediaKind = Literal["audio", "video"]
OnMediaState = Callable[[UUID, str, MediaState], Awaitable[None]]

#: The pre-call check's peer closes itself after this long.
ECHO_SECONDS = 60.0
#: A browser's offer is a few kilobytes; anything far larger is not one.
MAX_SDP_CHARS = 100_000
KINDS: tuple[MediaKind, ...] = ("audio", "video")


class MalformedSdpError(ValueError):
    """An offer or a candidate that is not one the relay can answer."""


@dataclass(frozen=True)
class IceServer:
    """A STUN or TURN server handed to the peers."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None


@dataclass(frozen=True)
class MediaOptions:
    """How the hub's peers gather and accept ICE candidates."""

    ice_servers: tuple[IceServer, ...] = ()
    #: Empty: aioice's own gathering; tests give ("127.0.0.1",).
    host_addresses: tuple[str, ...] = ()
    #: Tests: drop non-loopback candidates both ways.
    loopback_only: bool = False
    #: Attendees of a collective room see the presenter at most this high (None: as sent).
    #: aiortc encodes once per receiver. On one core (bench/collective.py) 480 lines held 8
    #: attendees; 360 held 11 with the core 90% busy; 240 holds 11 at about 70%, the margin a
    #: full room needs (a presenter's 720p camera, a busy host).
    collective_video_height: int | None = 240

    def __post_init__(self) -> None:
        """Refuse a height the encoder cannot take (yuv420p halves it for its colour planes)."""
        height = self.collective_video_height
        if height is not None and (height < 2 or height % 2):
            raise ValueError("collective_video_height must be an even number of lines")


@dataclass(frozen=True)
class KindCounts:
    """A count per media kind."""

    audio: int = 0
    video: int = 0


@dataclass(frozen=True)
class ParticipantStats:
    """What the relay received from and sent to one participant."""

    participant_id: str
    role: ParticipantRole
    state: MediaState
    muted: bool
    audio_only: bool
    frames_received: KindCounts
    packets_received: KindCounts
    frames_sent: KindCounts


@dataclass(frozen=True)
class RoomStats:
    """The relay's counts for one room, per participant."""

    room_id: UUID
    participants: Mapping[str, ParticipantStats]


@dataclass(frozen=True)
class Presence:
    """What routing needs to know of a participant."""

    participant_id: str
    role: ParticipantRole
    muted: bool = False
    audio_only: bool = False
    sends_audio: bool = True
    sends_video: bool = True


@dataclass(frozen=True)
class Route:
    """Whom one participant hears and sees."""

    audio_from: tuple[str, ...]
    video_from: str | None


def route(kind: RoomKind, people: Sequence[Presence], receiver: str) -> Route:
    """Decide whose audio and video a participant receives."""
    me = next((p for p in people if p.participant_id == receiver), None)
    others = [p for p in people if p.participant_id != receiver]
    audio = tuple(p.participant_id for p in others if p.sends_audio and not p.muted)
    if me is None or me.audio_only:
        return Route(audio, None)
    seen = [p for p in others if p.sends_video and (kind == "one_to_one" or p.role == "presenter")]
    return Route(audio, seen[0].participant_id if seen else None)


def is_loopback_candidate(candidate: str) -> bool:
    """Tell whether an SDP candidate (with or without `a=` and `candidate:`) is on loopback."""
    text = candidate.strip().removeprefix("a=").removeprefix("candidate:")
    try:
        return ipaddress.ip_address(candidate_from_sdp(text).ip).is_loopback
    except (AssertionError, IndexError, ValueError):
        return False


def loopback_only_sdp(sdp: str) -> str:
    """Drop every candidate line that is not on loopback."""
    lines = sdp.splitlines(keepends=True)
    return "".join(
        line for line in lines if not line.startswith("a=candidate:") or is_loopback_candidate(line)
    )


def checked_offer(sdp: object) -> SessionDescription:
    """Parse an offer, or raise MalformedSdpError when the relay cannot answer it."""
    if not isinstance(sdp, str) or not sdp.strip() or len(sdp) > MAX_SDP_CHARS:
        raise MalformedSdpError("not an SDP text")
    try:
        parsed = SessionDescription.parse(sdp)
    except Exception as exc:
        # aiortc's parser fails with whatever the bad line provokes (ValueError, KeyError,
        # AssertionError, StopIteration…): all of it means the same to the caller.
        raise MalformedSdpError("unparsable SDP") from exc
    kinds = [media.kind for media in parsed.media]
    if kinds.count("audio") != 1 or kinds.count("video") > 1 or len(kinds) != len(set(kinds)):
        raise MalformedSdpError("the offer needs one audio m-line and at most one video")
    for media in parsed.media:
        if media.ice is None or not media.ice.usernameFragment or not media.ice.password:
            raise MalformedSdpError("missing ICE credentials")
        if media.dtls is None or not media.dtls.fingerprints:
            raise MalformedSdpError("missing DTLS fingerprint")
        if not media.rtcp_mux or not media.rtp.codecs:
            raise MalformedSdpError("no RTCP mux or no codec")
    return parsed


class _PinnedHostAddresses:
    """Stands in for aioice's host-address discovery with a fixed list."""

    def __init__(self, addresses: tuple[str, ...], original: Callable[[bool, bool], list[str]]):
        self.addresses = addresses
        self.original = original

    def __call__(self, use_ipv4: bool, use_ipv6: bool) -> list[str]:
        """Return the pinned addresses of the families asked for."""
        return [a for a in self.addresses if (use_ipv6 if ":" in a else use_ipv4)]


def pin_host_addresses(addresses: tuple[str, ...]) -> None:
    """Make aioice gather exactly these host addresses (its own discovery when empty)."""
    # aioice never offers 127.0.0.1 (its discovery skips it) and has no option for a list of
    # addresses; its gatherer looks `get_host_addresses` up in aioice.ice at every gathering, so
    # replacing that one name is the narrowest override. It is process-wide: the latest hub
    # decides, and the original is always kept so pinning twice never stacks wrappers.
    current = aioice.ice.get_host_addresses
    original = current.original if isinstance(current, _PinnedHostAddresses) else current
    replacement = _PinnedHostAddresses(addresses, original) if addresses else original
    setattr(aioice.ice, "get_host_addresses", replacement)  # noqa: B010 (a module's function)


@dataclass
class _Peer:
    """One participant's (or one check's) peer connection and its tracks."""

    participant_id: str
    role: ParticipantRole
    pc: RTCPeerConnection
    audio_out: AudioOut | None
    video_out: VideoOut | None
    sources: dict[str, Source] = field(default_factory=dict)
    receivers: dict[str, RTCRtpReceiver] = field(default_factory=dict)
    state: MediaState = "new"


@dataclass
class _Flags:
    muted: bool = False
    audio_only: bool = False


@dataclass
class _Room:
    room_id: UUID
    kind: RoomKind
    peers: dict[str, _Peer] = field(default_factory=dict)


class MediaHub:
    """Relays the media of every room's participants through aiortc peer connections."""

    def __init__(self, options: MediaOptions, on_state: OnMediaState) -> None:
        self._options = options
        self._on_state = on_state
        self._relay = MediaRelay()
        self._clock = MediaClock()
        self._rooms: dict[UUID, _Room] = {}
        # Kept apart from the rooms: a participant's switches may come before their offer.
        self._flags: dict[UUID, dict[str, _Flags]] = {}
        self._echoes: dict[UUID, tuple[_Peer, asyncio.Task[None]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        if options.host_addresses:
            pin_host_addresses(options.host_addresses)

    def _configuration(self) -> RTCConfiguration:
        """Return the peers' configuration: the given ICE servers, never aiortc's default."""
        # iceServers=None would make aiortc add a public STUN server: an empty list adds none.
        servers = [
            RTCIceServer(urls=list(s.urls), username=s.username, credential=s.credential)
            for s in self._options.ice_servers
        ]
        return RTCConfiguration(iceServers=servers)

    async def _negotiate(
        self,
        participant_id: str,
        role: ParticipantRole,
        offer_sdp: object,
        video_height: int | None = None,
    ) -> tuple[_Peer, str]:
        """Answer an offer with a new peer whose outgoing tracks are not routed yet."""
        parsed = checked_offer(offer_sdp)
        sdp = cast(str, offer_sdp)
        if self._options.loopback_only:
            sdp = loopback_only_sdp(sdp)
        kinds = {media.kind for media in parsed.media}
        pc = RTCPeerConnection(self._configuration())
        peer = _Peer(
            participant_id,
            role,
            pc,
            AudioOut() if "audio" in kinds else None,
            VideoOut(self._clock, video_height) if "video" in kinds else None,
        )
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            for transceiver in pc.getTransceivers():
                kind = transceiver.kind
                track = transceiver.receiver.track
                if kind in KINDS and track is not None and kind not in peer.sources:
                    peer.sources[kind] = Source(participant_id, track, self._relay)
                    peer.receivers[kind] = transceiver.receiver
            # addTrack takes the transceivers the offer made, so the answer says sendrecv.
            for out in (peer.audio_out, peer.video_out):
                if out is not None:
                    pc.addTrack(out)
            answer = await pc.createAnswer()
        except Exception as exc:
            # aiortc refuses what it cannot negotiate with assorted errors (no common codec,
            # bad direction, bad parameters): to the caller they all mean a malformed offer.
            await self._close_peer(peer)
            raise MalformedSdpError("the offer could not be answered") from exc
        try:
            # Gathering: a failure here is the server's, not the offer's.
            await pc.setLocalDescription(answer)
        except BaseException:
            await self._close_peer(peer)
            raise
        for source in peer.sources.values():
            source.start()
        return peer, pc.localDescription.sdp

    async def answer(
        self,
        room_id: UUID,
        participant_id: str,
        role: ParticipantRole,
        kind: RoomKind,
        offer_sdp: str,
        *,
        audio_only: bool,
    ) -> str:
        """Answer a participant's offer; a participant already connected is replaced."""
        bound = log.bind(room_id=str(room_id), participant_id=participant_id)
        # Only attendees get the smaller picture: one to one, the single encode per side is
        # affordable at full size; the presenter receives no video in a collective room.
        small = kind == "collective" and role == "attendee"
        height = self._options.collective_video_height if small else None
        try:
            peer, answer = await self._negotiate(participant_id, role, offer_sdp, height)
        except MalformedSdpError:
            bound.info("media offer refused")
            raise
        room = self._rooms.setdefault(room_id, _Room(room_id, kind))
        flags = self._flags.setdefault(room_id, {}).setdefault(participant_id, _Flags())
        flags.audio_only = audio_only
        older = room.peers.get(participant_id)
        room.peers[participant_id] = peer
        self._watch(room_id, peer)
        self._reroute(room)
        if older is not None:
            bound.info("media peer replaced")
            await self._close_peer(older)
        bound.info("media offer answered", kinds=sorted(peer.sources))
        return answer

    async def add_candidate(
        self,
        room_id: UUID,
        participant_id: str,
        candidate: str,
        sdp_mid: str | None,
        sdp_mline_index: int | None,
    ) -> None:
        """Add a trickled candidate (MalformedSdpError when it is not one)."""
        room = self._rooms.get(room_id)
        peer = room.peers.get(participant_id) if room is not None else None
        if peer is None or not candidate:
            return
        parsed = self._candidate(candidate, sdp_mid, sdp_mline_index)
        if parsed is not None:
            await peer.pc.addIceCandidate(parsed)

    def _candidate(
        self, candidate: str, sdp_mid: str | None, sdp_mline_index: int | None
    ) -> RTCIceCandidate | None:
        """Parse a trickled candidate; None when loopback-only drops it."""
        if not isinstance(candidate, str) or (sdp_mid is None and sdp_mline_index is None):
            raise MalformedSdpError("not a candidate")
        try:
            parsed = candidate_from_sdp(candidate.strip().removeprefix("candidate:"))
        except (AssertionError, IndexError, ValueError) as exc:
            raise MalformedSdpError("not a candidate") from exc
        if self._options.loopback_only and not is_loopback_candidate(candidate):
            return None
        parsed.sdpMid = sdp_mid
        parsed.sdpMLineIndex = sdp_mline_index
        return parsed

    def set_state(
        self, room_id: UUID, participant_id: str, *, muted: bool, audio_only: bool
    ) -> None:
        """Record a participant's mute and audio-only switches and route again."""
        flags = self._flags.setdefault(room_id, {}).setdefault(participant_id, _Flags())
        flags.muted = muted
        flags.audio_only = audio_only
        room = self._rooms.get(room_id)
        if room is not None:
            self._reroute(room)

    async def leave(self, room_id: UUID, participant_id: str) -> None:
        """Close a participant's peer connection; the others go on."""
        self._flags.get(room_id, {}).pop(participant_id, None)
        room = self._rooms.get(room_id)
        if room is None:
            return
        peer = room.peers.pop(participant_id, None)
        if not room.peers:
            del self._rooms[room_id]
        else:
            self._reroute(room)
        if peer is not None:
            log.info("media peer left", room_id=str(room_id), participant_id=participant_id)
            await self._close_peer(peer)

    async def close_room(self, room_id: UUID) -> None:
        """Close every peer connection of a room."""
        self._flags.pop(room_id, None)
        room = self._rooms.pop(room_id, None)
        if room is None:
            return
        peers = list(room.peers.values())
        room.peers.clear()
        await asyncio.gather(*(self._close_peer(p) for p in peers))
        log.info("media room closed", room_id=str(room_id), peers=len(peers))

    async def close(self) -> None:
        """Close every room and check (shutdown)."""
        for room_id in list(self._rooms):
            await self.close_room(room_id)
        for check_id in list(self._echoes):
            await self._close_echo(check_id)
        for task in list(self._tasks):
            task.cancel()

    async def echo(self, check_id: UUID, offer_sdp: str) -> str:
        """Answer a pre-call check: the browser's own tracks come back through the relay."""
        peer, answer = await self._negotiate(str(check_id), "beneficiary", offer_sdp)
        await self._close_echo(check_id)
        if peer.audio_out is not None:
            own = peer.sources.get("audio")
            peer.audio_out.set_sources([own] if own is not None else [])
        if peer.video_out is not None:
            peer.video_out.set_source(peer.sources.get("video"))
        timer = asyncio.ensure_future(self._expire_echo(check_id, peer))
        self._echoes[check_id] = (peer, timer)
        peer.pc.on("connectionstatechange", lambda: self._spawn(self._echo_state(check_id, peer)))
        log.info("media check answered", check_id=str(check_id))
        return answer

    async def _expire_echo(self, check_id: UUID, peer: _Peer) -> None:
        """Close a check once its time is up."""
        await asyncio.sleep(ECHO_SECONDS)
        current = self._echoes.get(check_id)
        if current is not None and current[0] is peer:
            log.info("media check expired", check_id=str(check_id))
            await self._close_echo(check_id)

    async def _echo_state(self, check_id: UUID, peer: _Peer) -> None:
        """Close a check whose connection failed or that the browser closed."""
        current = self._echoes.get(check_id)
        state = peer.pc.connectionState
        if current is not None and current[0] is peer and state in ("failed", "closed"):
            await self._close_echo(check_id)

    async def _close_echo(self, check_id: UUID) -> None:
        """Close a check's peer connection and its timer."""
        entry = self._echoes.pop(check_id, None)
        if entry is None:
            return
        peer, timer = entry
        if timer is not asyncio.current_task():
            timer.cancel()
        await self._close_peer(peer)

    def stats(self, room_id: UUID) -> RoomStats:
        """Return per participant the frames and packets received and the frames sent."""
        room = self._rooms.get(room_id)
        if room is None:
            return RoomStats(room_id, {})
        out: dict[str, ParticipantStats] = {}
        for pid, peer in room.peers.items():
            flags = self._flags_of(room_id, pid)
            out[pid] = ParticipantStats(
                participant_id=pid,
                role=peer.role,
                state=peer.state,
                muted=flags.muted,
                audio_only=flags.audio_only,
                frames_received=KindCounts(
                    **{k: s.frames for k, s in peer.sources.items() if k in KINDS}
                ),
                packets_received=KindCounts(
                    **{k: _packets(r) for k, r in peer.receivers.items() if k in KINDS}
                ),
                frames_sent=KindCounts(
                    audio=peer.audio_out.frames_sent if peer.audio_out else 0,
                    video=peer.video_out.frames_sent if peer.video_out else 0,
                ),
            )
        return RoomStats(room_id, out)

    def rooms(self) -> int:
        """Return how many rooms have a peer connection."""
        return sum(1 for room in self._rooms.values() if room.peers)

    def peers(self) -> int:
        """Return how many peer connections are open, checks included."""
        return sum(len(room.peers) for room in self._rooms.values()) + len(self._echoes)

    def _flags_of(self, room_id: UUID, participant_id: str) -> _Flags:
        """Return a participant's switches (both off when never set)."""
        return self._flags.get(room_id, {}).get(participant_id) or _Flags()

    def _reroute(self, room: _Room) -> None:
        """Point every participant's outgoing tracks at the sources they should receive."""
        people = [
            Presence(
                pid,
                peer.role,
                muted=self._flags_of(room.room_id, pid).muted,
                audio_only=self._flags_of(room.room_id, pid).audio_only,
                sends_audio="audio" in peer.sources,
                sends_video="video" in peer.sources,
            )
            for pid, peer in room.peers.items()
        ]
        for pid, peer in room.peers.items():
            chosen = route(room.kind, people, pid)
            if peer.audio_out is not None:
                peer.audio_out.set_sources(
                    [room.peers[a].sources["audio"] for a in chosen.audio_from]
                )
            if peer.video_out is not None:
                video = room.peers[chosen.video_from] if chosen.video_from else None
                peer.video_out.set_source(video.sources["video"] if video else None)

    def _watch(self, room_id: UUID, peer: _Peer) -> None:
        """Report the peer's connection state as it changes."""
        pc = peer.pc
        # The state is read when aiortc emits it: a task reading it later could skip one.
        pc.on(
            "connectionstatechange",
            lambda: self._spawn(self._state_changed(room_id, peer, pc.connectionState)),
        )

    def _spawn(self, work: Awaitable[None]) -> None:
        """Run work in the background, kept referenced until it ends."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _state_changed(self, room_id: UUID, peer: _Peer, new_state: str) -> None:
        """Report a participant's new state; a failed or closed peer leaves the room."""
        state = cast(MediaState, new_state)
        room = self._rooms.get(room_id)
        if room is None or room.peers.get(peer.participant_id) is not peer:
            # A replaced, left or closed peer: its successor (or the caller) speaks for it.
            return
        if state not in get_args(MediaState) or state == peer.state:
            return
        peer.state = state
        await self._report(room_id, peer.participant_id, state)
        if state in ("failed", "closed"):
            # aiortc keeps a failed connection's consent checks going until it is closed.
            del room.peers[peer.participant_id]
            if room.peers:
                self._reroute(room)
            else:
                del self._rooms[room_id]
            await self._close_peer(peer)
            if state == "failed":
                await self._report(room_id, peer.participant_id, "closed")

    async def _report(self, room_id: UUID, participant_id: str, state: MediaState) -> None:
        """Tell the caller of a state change; its failure must not stop the relay."""
        log.info(
            "media state changed", room_id=str(room_id), participant_id=participant_id, state=state
        )
        try:
            await self._on_state(room_id, participant_id, state)
        except Exception as exc:
            log.warning("media state listener failed", error_type=type(exc).__name__)

    async def _close_peer(self, peer: _Peer) -> None:
        """Close a peer connection and its tracks."""
        for out in (peer.audio_out, peer.video_out):
            if out is not None:
                out.stop()
        for source in peer.sources.values():
            source.stop()
        with contextlib.suppress(Exception):
            await peer.pc.close()


def _packets(receiver: RTCRtpReceiver) -> int:
    """Return the RTP packets a receiver took in, read without awaiting getStats."""
    # stats() is synchronous for the roster and the bench; aiortc keeps the counts on the
    # receiver's (private) per-SSRC statistics, which getStats would copy.
    streams: Mapping[int, Any] = getattr(receiver, "_RTCRtpReceiver__remote_streams", {})
    return sum(int(getattr(s, "packets_received", 0)) for s in streams.values())

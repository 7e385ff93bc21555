"""Rooms on the embedded stack: appointments open, move and close them; tickets; a whole join.

Remote session runs as a real uvicorn server on loopback (its signalling is a WebSocket), in the
test's own event loop, with intake in-process for names and cases. Appointment events are
published straight to Tansu and the service's events read back from it. The media test joins
two aiortc peers through the real relay, on loopback only.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import httpx
import pytest
import uvicorn
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, MediaStreamTrack
from av import VideoFrame
from pydantic import SecretStr
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo, free_port
from jalon_shared.access import Role
from jalon_shared.events import topics
from jalon_shared.events.appointment import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentModalityChanged,
    AppointmentRescheduled,
    CollectiveSessionRegistered,
)
from jalon_shared.events.envelope import utc_now
from jalon_shared.events.vocabulary import ConsentAnswer, Modality
from jalon_shared.mongo import Client, Database
from remote_session.domain.rooms import collective_room_id, one_to_one_room_id
from remote_session.entrypoints.main import RemoteSessionSettings, RoomsSettings, ThreadsSettings
from remote_session.entrypoints.main import build_app as build_remote_session
from tests.integration.conftest import RunningService
from tests.integration.test_delivery_faults import read_topic
from tests.integration.test_directory import publish
from tests.integration.test_intake_caseload import add_counsellor
from tests.integration.test_remote_session_threads import holding
from tests.support import Keys, eventually, intake_payload, register_region
from tests.support import service_settings as settings_for

ORIGIN = "https://jalon.test"
TICKET_SECRET = "rooms-integration-ticket-secret-" + "0" * 32
CORRELATION = "rooms-test"
PRODUCER = "appointment"


@dataclass
class Live:
    """Remote session served over real sockets, and a client for its HTTP API."""

    http: httpx.AsyncClient
    db: Database
    base_url: str

    @property
    def ws_url(self) -> str:
        """Return the base of the signalling sockets."""
        return self.base_url.replace("http://", "ws://")


@pytest.fixture(scope="module")
async def remote(
    kafka: EmbeddedKafka,
    mongo: EmbeddedMongo,
    keys: Keys,
    mongo_client: Client,
    intake: RunningService,
) -> AsyncIterator[Live]:
    """Serve remote session on a loopback port, its media relay kept on loopback."""
    plain = settings_for(
        "remote_session-rooms", kafka=kafka.bootstrap, mongo_uri=mongo.uri, keys=keys
    )
    settings = RemoteSessionSettings(
        **plain.model_dump(),
        threads=ThreadsSettings(intake_url="http://test"),
        rooms=RoomsSettings(
            ticket_secret=SecretStr(TICKET_SECRET),
            allowed_origins=[ORIGIN],
            media_host_addresses=["127.0.0.1"],
            media_loopback_only=True,
        ),
    )
    app = build_remote_session(settings, http=intake.http)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
        )
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        base_url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            yield Live(http, mongo_client[settings.database_name()], base_url)
    finally:
        server.should_exit = True
        await task


@dataclass
class Person:
    """A beneficiary with a case opened through intake."""

    beneficiary_id: uuid.UUID
    case_id: uuid.UUID
    headers: dict[str, str]


@dataclass
class World:
    """A region, its counsellor, intake and the live remote session."""

    remote: Live
    intake: RunningService
    kafka: EmbeddedKafka
    keys: Keys
    region: str
    counsellor: str

    def as_counsellor(self, counsellor: str | None = None) -> dict[str, str]:
        """Return a counsellor's headers (the region's by default)."""
        return self.keys.headers(
            counsellor or self.counsellor, Role.COUNSELLOR, region=self.region, site="rennes"
        )

    def as_manager(self) -> dict[str, str]:
        """Return the region's manager's headers."""
        return self.keys.headers("m-rooms", Role.MANAGER, region=self.region)

    def as_beneficiary(self, beneficiary_id: uuid.UUID | None = None) -> dict[str, str]:
        """Return a beneficiary's headers (a stranger's by default)."""
        return self.keys.headers(str(beneficiary_id or uuid.uuid4()), Role.BENEFICIARY)

    async def person(self) -> Person:
        """Open a case through intake and wait until remote session copied it."""
        beneficiary_id = uuid.uuid4()
        headers = self.as_beneficiary(beneficiary_id)
        submitted = await self.intake.http.post(
            "/requests",
            json=intake_payload(
                first_name="Léa",
                last_name="Petit",
                email=f"lea.{uuid.uuid4().hex[:10]}@example.org",
                region=self.region,
            ),
            headers=headers,
        )
        assert submitted.status_code == 201, submitted.text
        case_id = uuid.UUID(submitted.json()["case_id"])

        async def copied() -> bool:
            case = await self.remote.db["directory_cases"].find_one({"_id": case_id})
            return case is not None and case["counsellor_id"] == self.counsellor

        await eventually(copied)
        return Person(beneficiary_id, case_id, headers)

    async def book(
        self,
        person: Person | None = None,
        *,
        modality: Modality = Modality.VIDEO,
        starts_in: timedelta = timedelta(minutes=5),
    ) -> AppointmentBooked:
        """Publish a booked appointment, as appointment would, and wait for its room."""
        starts_at = utc_now() + starts_in
        booked = AppointmentBooked(
            correlation_id=CORRELATION,
            producer=PRODUCER,
            appointment_id=uuid.uuid4(),
            case_id=person.case_id if person else uuid.uuid4(),
            beneficiary_id=person.beneficiary_id if person else uuid.uuid4(),
            counsellor_id=self.counsellor,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=45),
            modality=modality,
            region=self.region,
        )
        await publish(self.kafka, booked)
        await self.room_doc(one_to_one_room_id(booked.appointment_id))
        return booked

    async def room_doc(
        self, room_id: uuid.UUID, check: Callable[[dict[str, Any]], bool] = lambda _: True
    ) -> dict[str, Any]:
        """Wait until the room's stored document passes a check."""

        async def found() -> dict[str, Any] | None:
            doc = await self.remote.db["rooms"].find_one({"_id": room_id})
            return doc if doc is not None and check(doc) else None

        result: dict[str, Any] = await eventually(found, timeout=40)
        return result

    async def ticket(self, room_id: uuid.UUID, headers: dict[str, str]) -> httpx.Response:
        """Ask for a room ticket."""
        return await self.remote.http.post(f"/rooms/{room_id}/tickets", headers=headers)


@pytest.fixture(scope="module")
async def world(remote: Live, intake: RunningService, kafka: EmbeddedKafka, keys: Keys) -> World:
    """Return a region with one counsellor, who is given every case opened in it."""
    region = f"r{uuid.uuid4().hex[:8]}"
    await register_region(intake.http, keys, region)
    counsellor = f"c-{region}"
    await add_counsellor(intake, keys, region, counsellor, "rennes", 50)
    return World(remote, intake, kafka, keys, region, counsellor)


async def session_events(
    kafka: EmbeddedKafka, key: uuid.UUID, wanted: set[str], timeout: float = 40
) -> dict[str, dict[str, Any]]:
    """Read the session topic until the events keyed by an id include the wanted types."""

    async def published() -> dict[str, dict[str, Any]] | None:
        records = await read_topic(kafka.bootstrap, topics.SESSION, want=100_000, timeout=3)
        mine = [json.loads(r.value) for r in records if r.key == str(key).encode()]
        by_type = {m["event_type"]: m for m in mine}
        return by_type if wanted <= set(by_type) else None

    result: dict[str, dict[str, Any]] = await eventually(published, timeout=timeout)
    return result


async def test_appointments_open_move_and_close_their_rooms(world: World) -> None:
    booked = await world.book()
    room_id = one_to_one_room_id(booked.appointment_id)
    owner = world.as_beneficiary(booked.beneficiary_id)
    shown = await world.remote.http.get(
        f"/rooms/by-appointment/{booked.appointment_id}", headers=owner
    )
    assert shown.status_code == 200, shown.text
    room = shown.json()
    assert (room["room_id"], room["kind"], room["modality"], room["status"]) == (
        str(room_id),
        "one_to_one",
        "video",
        "scheduled",
    )
    assert (room["joinable"], room["your_role"]) == (True, "beneficiary")
    events = await session_events(world.kafka, room_id, {"session.opened"})
    opened = events["session.opened"]
    assert (opened["appointment_id"], opened["modality"]) == (str(booked.appointment_id), "video")
    # Strangers do not see the room, and get no ticket.
    for stranger in (world.as_beneficiary(), world.as_counsellor("c-other"), world.as_manager()):
        hidden = await world.remote.http.get(f"/rooms/{room_id}", headers=stranger)
        assert hidden.status_code == 404, hidden.text
        refused = await world.ticket(room_id, stranger)
        assert refused.status_code == 403, refused.text
        assert refused.json()["errors"][0]["type"] == "not_a_participant"
    ticket = await world.ticket(room_id, world.as_counsellor())
    assert ticket.status_code == 201, ticket.text
    assert ticket.json()["signalling_path"] == f"/rooms/{room_id}/signal"
    assert ticket.json()["room"]["your_role"] == "counsellor"
    # Moved two days on: too early to join; a stale move does not take it back.
    later = booked.starts_at + timedelta(days=2)
    await publish(
        world.kafka,
        AppointmentRescheduled(
            correlation_id=CORRELATION,
            producer=PRODUCER,
            appointment_id=booked.appointment_id,
            case_id=booked.case_id,
            starts_at=later,
            rescheduled_from=booked.starts_at,
            ends_at=later + timedelta(minutes=45),
        ),
    )
    await world.room_doc(room_id, lambda d: d["starts_at"] > booked.starts_at + timedelta(days=1))
    stale = AppointmentRescheduled(
        correlation_id=CORRELATION,
        producer=PRODUCER,
        occurred_at=booked.occurred_at - timedelta(seconds=1),
        appointment_id=booked.appointment_id,
        case_id=booked.case_id,
        starts_at=booked.starts_at,
        rescheduled_from=later,
    )
    await publish(world.kafka, stale)
    early = await world.ticket(room_id, owner)
    assert early.status_code == 409, early.text
    assert early.json()["errors"][0]["type"] == "room_not_open"
    # Cancelled: closed for good, whatever comes after.
    await publish(
        world.kafka,
        AppointmentCancelled(
            correlation_id=CORRELATION,
            producer=PRODUCER,
            appointment_id=booked.appointment_id,
            case_id=booked.case_id,
        ),
    )
    await world.room_doc(room_id, lambda d: d["status"] == "cancelled")
    # A replayed booking (a new delivery id) and a later change of modality change nothing.
    await publish(world.kafka, booked.model_copy(update={"event_id": uuid.uuid4()}))
    await publish(
        world.kafka,
        AppointmentModalityChanged(
            correlation_id=CORRELATION,
            producer=PRODUCER,
            appointment_id=booked.appointment_id,
            case_id=booked.case_id,
            previous_modality=Modality.VIDEO,
            modality=Modality.PHONE,
            consent=ConsentAnswer.ACCEPTED,
            consent_recorded_at=utc_now(),
            requested_by="counsellor",
        ),
    )
    await asyncio.sleep(1)
    closed = await world.ticket(room_id, owner)
    assert closed.status_code == 409, closed.text
    doc = await world.room_doc(room_id)
    assert (doc["status"], doc["modality"]) == ("cancelled", "video")
    assert doc["starts_at"] > booked.starts_at + timedelta(days=1)


async def test_a_face_to_face_appointment_gets_a_room_when_it_turns_to_phone(world: World) -> None:
    booked = await world.book(modality=Modality.FACE_TO_FACE)
    owner = world.as_beneficiary(booked.beneficiary_id)
    path = f"/rooms/by-appointment/{booked.appointment_id}"
    assert (await world.remote.http.get(path, headers=owner)).status_code == 404
    await publish(
        world.kafka,
        AppointmentModalityChanged(
            correlation_id=CORRELATION,
            producer=PRODUCER,
            appointment_id=booked.appointment_id,
            case_id=booked.case_id,
            previous_modality=Modality.FACE_TO_FACE,
            modality=Modality.PHONE,
            consent=ConsentAnswer.ACCEPTED,
            consent_recorded_at=utc_now(),
            requested_by="counsellor",
        ),
    )
    room_id = one_to_one_room_id(booked.appointment_id)
    await world.room_doc(room_id, lambda d: d["status"] == "scheduled")
    shown = await world.remote.http.get(path, headers=owner)
    assert shown.status_code == 200, shown.text
    assert shown.json()["modality"] == "phone"
    await session_events(world.kafka, room_id, {"session.opened"})


# -- a whole join with media ---------------------------------------------------------------


class SmallVideo(MediaStreamTrack):
    """A small synthetic camera: 160x120 grey frames at 15 fps."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self._pts = 0

    async def recv(self) -> VideoFrame:
        await asyncio.sleep(1 / 15)
        frame = VideoFrame(width=160, height=120, format="yuv420p")
        for plane in frame.planes:
            plane.update(bytes([128]) * plane.buffer_size)
        self._pts += 6000
        frame.pts = self._pts
        frame.time_base = Fraction(1, 90_000)
        return frame


@dataclass
class Peer:
    """A participant: their signalling socket and their aiortc peer connection."""

    socket: ClientConnection
    # No STUN server: aiortc's default is a public host, and the test stays on loopback.
    pc: RTCPeerConnection = field(
        default_factory=lambda: RTCPeerConnection(RTCConfiguration(iceServers=[]))
    )
    received: dict[str, int] = field(default_factory=lambda: {"audio": 0, "video": 0})
    frames: list[dict[str, Any]] = field(default_factory=list)
    readers: list[asyncio.Task[None]] = field(default_factory=list)

    async def next(self, kind: str, timeout: float = 20) -> dict[str, Any]:
        """Return the next frame of a type, keeping the others."""
        async with asyncio.timeout(timeout):
            while True:
                frame: dict[str, Any] = json.loads(await self.socket.recv())
                self.frames.append(frame)
                if frame["type"] == kind:
                    return frame

    async def send(self, frame: dict[str, Any]) -> None:
        """Send a frame."""
        await self.socket.send(json.dumps(frame))

    async def offer(self) -> None:
        """Send camera and microphone, offer them, and take the relay's answer."""

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self.readers.append(asyncio.create_task(self._count(track)))

        self.pc.addTrack(AudioStreamTrack())
        self.pc.addTrack(SmallVideo())
        await self.pc.setLocalDescription(await self.pc.createOffer())
        await self.send({"type": "offer", "sdp": self.pc.localDescription.sdp})
        answer = await self.next("answer")
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))

    async def _count(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                await track.recv()
            except MediaStreamError:
                return
            self.received[track.kind] += 1

    async def close(self) -> None:
        """Close the peer connection and the socket."""
        for reader in self.readers:
            reader.cancel()
        await self.pc.close()
        await self.socket.close()


async def join(
    world: World, room_id: uuid.UUID, headers: dict[str, str], stack: AsyncExitStack
) -> tuple[Peer, dict[str, Any]]:
    """Take a ticket, open the room's socket and say hello; return the peer and its welcome."""
    taken = await world.ticket(room_id, headers)
    assert taken.status_code == 201, taken.text
    socket = await stack.enter_async_context(
        connect(
            world.remote.ws_url + taken.json()["signalling_path"],
            origin=Origin(ORIGIN),
            proxy=None,
        )
    )
    peer = Peer(socket)
    stack.push_async_callback(peer.close)
    await peer.send({"type": "hello", "ticket": taken.json()["ticket"]})
    return peer, await peer.next("welcome")


async def test_a_whole_session_over_the_websocket_with_media_both_ways(world: World) -> None:
    lea = await world.person()
    booked = await world.book(lea)
    room_id = one_to_one_room_id(booked.appointment_id)
    async with AsyncExitStack() as stack:
        counsellor, welcome = await join(world, room_id, world.as_counsellor(), stack)
        assert (welcome["role"], welcome["admitted"]) == ("counsellor", True)
        assert welcome["ice_servers"] == []
        beneficiary, waiting = await join(world, room_id, lea.headers, stack)
        assert (waiting["role"], waiting["admitted"], waiting["name"]) == (
            "beneficiary",
            False,
            "Léa P.",
        )
        await beneficiary.next("waiting")
        lobby = await counsellor.next("roster")
        while not lobby["lobby"]:
            lobby = await counsellor.next("roster")
        assert lobby["lobby"] == [{"participant_id": str(lea.beneficiary_id), "name": "Léa P."}]
        await counsellor.send({"type": "admit", "participant_id": str(lea.beneficiary_id)})
        await beneficiary.next("admitted")
        await counsellor.offer()
        await beneficiary.offer()

        async def both_connected() -> bool:
            return all(p.pc.connectionState == "connected" for p in (counsellor, beneficiary))

        await eventually(both_connected, timeout=30)
        connected_at = datetime.now(UTC)

        async def media_both_ways() -> bool:
            return all(
                p.received["audio"] > 20 and p.received["video"] > 10
                for p in (counsellor, beneficiary)
            )

        await eventually(media_both_ways, timeout=30)
        doc = await world.room_doc(room_id, lambda d: d.get("started_at") is not None)
        assert doc["status"] == "live"
        await asyncio.sleep(2)
        ended_at = datetime.now(UTC)
        await counsellor.send({"type": "end"})
        ended = await counsellor.next("ended")
        assert (await beneficiary.next("ended"))["duration_seconds"] == ended["duration_seconds"]
        measured = (ended_at - connected_at).total_seconds()
        assert abs(ended["duration_seconds"] - measured) < 1, (ended, measured)
        with pytest.raises(ConnectionClosed):
            await counsellor.next("roster", timeout=5)
        assert counsellor.socket.close_code == 1000
    events = await session_events(
        world.kafka, room_id, {"session.opened", "session.participant_joined", "session.ended"}
    )
    published = events["session.ended"]
    assert abs(published["duration_seconds"] - measured) < 1, (published, measured)
    assert (published["modality"], published["participants"], published["audio_only"]) == (
        "video",
        2,
        False,
    )
    assert (published["appointment_id"], published["case_id"]) == (
        str(booked.appointment_id),
        str(lea.case_id),
    )
    final = await world.room_doc(room_id)
    assert (final["status"], final["connected"]) == ("ended", [])


# -- the call log and erasure ----------------------------------------------------------------


async def test_a_logged_call_is_kept_and_published(world: World) -> None:
    lea = await world.person()
    now = utc_now()
    body = {
        "started_at": (now - timedelta(minutes=20)).isoformat(),
        "ended_at": (now - timedelta(minutes=8)).isoformat(),
        "outcome": "reached",
    }
    path = f"/cases/{lea.case_id}/calls"
    by_beneficiary = await world.remote.http.post(path, json=body, headers=lea.headers)
    assert by_beneficiary.status_code == 403
    elsewhere = await world.remote.http.post(path, json=body, headers=world.as_counsellor("c-x"))
    assert elsewhere.status_code == 404
    future = {**body, "ended_at": (now + timedelta(hours=1)).isoformat()}
    refused = await world.remote.http.post(path, json=future, headers=world.as_counsellor())
    assert refused.status_code == 422, refused.text
    assert [(e["field"], e["type"]) for e in refused.json()["errors"]] == [
        ("ended_at", "in_the_future")
    ]
    logged = await world.remote.http.post(path, json=body, headers=world.as_counsellor())
    assert logged.status_code == 201, logged.text
    call = logged.json()
    assert (call["outcome"], call["duration_seconds"]) == ("reached", 720)
    listed = await world.remote.http.get(path, headers=lea.headers)
    assert [c["call_id"] for c in listed.json()] == [call["call_id"]]
    events = await session_events(world.kafka, lea.case_id, {"session.call_logged"})
    assert events["session.call_logged"]["call_id"] == call["call_id"]
    assert events["session.call_logged"]["duration_seconds"] == 720


async def test_an_erasure_leaves_nothing_of_the_person_in_rooms_and_calls(world: World) -> None:
    lea = await world.person()
    booked = await world.book(lea)
    room_id = one_to_one_room_id(booked.appointment_id)
    now = utc_now()
    logged = await world.remote.http.post(
        f"/cases/{lea.case_id}/calls",
        json={
            "started_at": (now - timedelta(minutes=5)).isoformat(),
            "ended_at": now.isoformat(),
            "outcome": "voicemail",
            "appointment_id": str(booked.appointment_id),
        },
        headers=world.as_counsellor(),
    )
    assert logged.status_code == 201, logged.text
    session_id = uuid.uuid4()
    await publish(
        world.kafka,
        CollectiveSessionRegistered(
            correlation_id=CORRELATION,
            producer=PRODUCER,
            session_id=session_id,
            registration_id=uuid.uuid4(),
            beneficiary_id=lea.beneficiary_id,
            status="registered",
            modality=Modality.VIDEO,
            region=world.region,
            starts_at=now + timedelta(days=3),
        ),
    )
    collective = collective_room_id(session_id)
    await world.room_doc(collective, lambda d: len(d["registrations"]) == 1)
    seen = await world.remote.http.get(
        f"/rooms/by-collective-session/{session_id}", headers=lea.headers
    )
    assert seen.status_code == 200, seen.text
    assert seen.json()["your_role"] == "attendee"
    erased = await world.intake.http.delete("/me", headers=lea.headers)
    assert erased.status_code == 200, erased.text
    needles = {str(lea.beneficiary_id), str(lea.case_id)}

    async def nothing_left() -> bool:
        return await holding(world.remote.db, needles) == []

    await eventually(nothing_left, timeout=30)
    assert await world.remote.db["calls"].count_documents({"case_id": lea.case_id}) == 0
    # The rooms stay, unlinked: a replayed booking cannot open one with the person in it.
    await publish(world.kafka, booked.model_copy(update={"event_id": uuid.uuid4()}))
    await asyncio.sleep(1)
    assert await holding(world.remote.db, needles) == []
    assert await world.remote.db["rooms"].find_one({"_id": room_id}) is not None

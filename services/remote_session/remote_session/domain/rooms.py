"""Rooms for phone and video appointments and for collective sessions.

A one-to-one room follows its appointment (booked, moved, cancelled, requalified) and admits only
the case's beneficiary and counsellor; a collective room follows a session's registrations and
admits its registered beneficiaries and the region's staff, up to a capacity. A session starts
when the counsellor (or presenter) and a beneficiary (or attendee) are first connected together,
and its duration is measured from then to its end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from jalon_shared.events.vocabulary import Modality, ParticipantRole, RoomKind

#: The modalities a room exists for.
REMOTE_MODALITIES = frozenset({Modality.VIDEO, Modality.PHONE})
#: A booked appointment without an end (older events) is taken to last this long.
DEFAULT_APPOINTMENT_LENGTH = timedelta(hours=1)
#: The registration statuses that put a beneficiary on a collective room's roster.
ROSTER_STATUSES = frozenset({"registered", "promoted", "attended"})
STAFF_ROLES = frozenset({ParticipantRole.COUNSELLOR, ParticipantRole.PRESENTER})
GUEST_ROLES = frozenset({ParticipantRole.BENEFICIARY, ParticipantRole.ATTENDEE})


def one_to_one_room_id(appointment_id: UUID) -> UUID:
    """Return the room id of an appointment, the same in every service."""
    return uuid5(NAMESPACE_URL, f"jalon:room:{appointment_id}")


def collective_room_id(session_id: UUID) -> UUID:
    """Return the room id of a collective session, the same in every service."""
    return uuid5(NAMESPACE_URL, f"jalon:collective-room:{session_id}")


class RoomStatus(StrEnum):
    """Where a room stands."""

    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"


class RoomError(Exception):
    """A room change the rules refuse, with a reason code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class NotAParticipantError(RoomError):
    """The person has no place in this room."""

    def __init__(self, message: str = "this person has no place in this room") -> None:
        super().__init__("not_a_participant", message)


class RoomNotOpenError(RoomError):
    """The room cannot be joined now: too early, too late, ended or cancelled."""


class RoomFullError(RoomError):
    """A collective room already holds its capacity."""

    def __init__(self) -> None:
        super().__init__("room_full", "the room is full")


class ThirdPersonError(RoomError):
    """Someone else already holds this place in a one-to-one room."""

    def __init__(self) -> None:
        super().__init__("not_allowed", "a one-to-one room holds two people")


@dataclass(frozen=True, slots=True)
class RoomPolicy:
    """The settings' rules for every room: the joinable window, capacity and the empty grace."""

    join_early: timedelta = timedelta(minutes=15)
    join_late: timedelta = timedelta(minutes=60)
    collective_length: timedelta = timedelta(hours=3)
    capacity: int = 12
    empty_grace: timedelta = timedelta(seconds=300)


@dataclass(frozen=True, slots=True)
class Registration:
    """A beneficiary's latest registration status for a collective session, and its time."""

    beneficiary_id: UUID
    status: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Presence:
    """A participant whose media is connected, since when and as whom."""

    participant_id: str
    role: ParticipantRole
    since: datetime


@dataclass(frozen=True, slots=True)
class Room:
    """A room and what happened in it; one per remote appointment or collective session."""

    room_id: UUID
    kind: RoomKind
    #: The appointment's modality now; face to face means the appointment has no room.
    modality: Modality
    starts_at: datetime
    ends_at: datetime
    opens_at: datetime
    closes_at: datetime
    status: RoomStatus
    appointment_id: UUID | None = None
    collective_session_id: UUID | None = None
    case_id: UUID | None = None
    beneficiary_id: UUID | None = None
    counsellor_id: str | None = None
    region: str | None = None
    registrations: tuple[Registration, ...] = ()
    #: Beneficiaries and attendees the counsellor or presenter let in: a reconnection skips
    #: the lobby.
    admitted: frozenset[str] = frozenset()
    connected: tuple[Presence, ...] = ()
    #: Everyone whose media connected at least once.
    attended: frozenset[str] = frozenset()
    started_at: datetime | None = None
    ended_at: datetime | None = None
    #: When the last connected participant left, while the room was empty since.
    last_left_at: datetime | None = None
    audio_only: bool = False
    video_flowed: bool = False
    #: The appointment was cancelled: nothing reopens the room.
    cancelled: bool = False
    #: The time of the last appointment event applied: older ones change nothing.
    revised_at: datetime | None = None

    @classmethod
    def for_appointment(
        cls,
        *,
        appointment_id: UUID,
        case_id: UUID,
        beneficiary_id: UUID,
        counsellor_id: str,
        starts_at: datetime,
        ends_at: datetime | None,
        modality: Modality,
        region: str | None,
        policy: RoomPolicy,
        at: datetime,
    ) -> Room:
        """Return the room of a booked appointment; a face-to-face one is kept closed."""
        end = ends_at if ends_at is not None and ends_at > starts_at else None
        end = end or starts_at + DEFAULT_APPOINTMENT_LENGTH
        remote = modality in REMOTE_MODALITIES
        return cls(
            room_id=one_to_one_room_id(appointment_id),
            kind=RoomKind.ONE_TO_ONE,
            modality=modality,
            starts_at=starts_at,
            ends_at=end,
            opens_at=starts_at - policy.join_early,
            closes_at=end + policy.join_late,
            status=RoomStatus.SCHEDULED if remote else RoomStatus.CANCELLED,
            appointment_id=appointment_id,
            case_id=case_id,
            beneficiary_id=beneficiary_id,
            counsellor_id=counsellor_id,
            region=region,
            revised_at=at,
        )

    @classmethod
    def for_collective(
        cls,
        *,
        session_id: UUID,
        modality: Modality,
        region: str | None,
        starts_at: datetime,
        policy: RoomPolicy,
        at: datetime,
    ) -> Room:
        """Return the room of a collective session, which its registrations fill."""
        ends_at = starts_at + policy.collective_length
        return cls(
            room_id=collective_room_id(session_id),
            kind=RoomKind.COLLECTIVE,
            modality=modality,
            starts_at=starts_at,
            ends_at=ends_at,
            opens_at=starts_at - policy.join_early,
            closes_at=ends_at + policy.join_late,
            status=RoomStatus.SCHEDULED,
            collective_session_id=session_id,
            region=region,
            revised_at=at,
        )

    # -- what the room is -------------------------------------------------------------------

    @property
    def is_remote(self) -> bool:
        """Return whether the room exists for its participants (phone or video)."""
        return self.modality in REMOTE_MODALITIES

    @property
    def offered(self) -> bool:
        """Return whether the room is (or was) open to its participants: remote, not cancelled."""
        return self.is_remote and self.status is not RoomStatus.CANCELLED

    @property
    def is_video(self) -> bool:
        """Return whether the room is a video room (else audio only)."""
        return self.modality is Modality.VIDEO

    @property
    def roster(self) -> frozenset[UUID]:
        """Return the collective room's registered beneficiaries."""
        return frozenset(
            r.beneficiary_id for r in self.registrations if r.status in ROSTER_STATUSES
        )

    @property
    def took_place(self) -> bool:
        """Return whether the two sides were ever connected together."""
        return self.started_at is not None

    @property
    def duration_seconds(self) -> float | None:
        """Return the measured duration of an ended session, from start to end."""
        if self.started_at is None or self.ended_at is None:
            return None
        return max(0.0, (self.ended_at - self.started_at).total_seconds())

    @property
    def modality_used(self) -> Modality:
        """Return video when video flowed both ways at some point, else phone."""
        return Modality.VIDEO if self.video_flowed else Modality.PHONE

    def joinable(self, now: datetime) -> bool:
        """Return whether a participant may join now."""
        return self.closed_reason(now) is None

    def closed_reason(self, now: datetime) -> str | None:
        """Return why the room cannot be joined now, or None when it can."""
        if not self.is_remote or self.status is RoomStatus.CANCELLED:
            return "cancelled"
        if self.status is RoomStatus.ENDED:
            return "ended"
        if now < self.opens_at:
            return "too_early"
        if now > self.closes_at and self.status is not RoomStatus.LIVE:
            return "too_late"
        return None

    def check_open(self, now: datetime) -> None:
        """Refuse a join when the room is not open now."""
        reason = self.closed_reason(now)
        if reason is not None:
            raise RoomNotOpenError("room_not_open", f"the room is not open ({reason})")

    # -- who joins --------------------------------------------------------------------------

    def role_of(
        self,
        participant_id: str,
        *,
        staff: bool,
        region: str | None,
        counsellor_id: str | None = None,
    ) -> ParticipantRole | None:
        """Return the role a person has in the room, or None when they have no place in it.

        counsellor_id is the case's counsellor now, when known: a handed-over case's new
        counsellor joins its appointments.
        """
        if self.kind is RoomKind.ONE_TO_ONE:
            if not staff and self.beneficiary_id is not None:
                return (
                    ParticipantRole.BENEFICIARY
                    if participant_id == str(self.beneficiary_id)
                    else None
                )
            owner = counsellor_id or self.counsellor_id
            if staff and owner is not None and participant_id == owner:
                return ParticipantRole.COUNSELLOR
            return None
        if staff:
            if self.region is not None and region == self.region:
                return ParticipantRole.PRESENTER
            return None
        try:
            beneficiary = UUID(participant_id)
        except ValueError:
            return None
        return ParticipantRole.ATTENDEE if beneficiary in self.roster else None

    def is_admitted(self, participant_id: str, role: ParticipantRole) -> bool:
        """Return whether the participant skips the lobby: staff always, others once admitted."""
        return role in STAFF_ROLES or participant_id in self.admitted

    def admit(self, participant_id: str) -> Room:
        """Return the room with a beneficiary or attendee let in, for every later connection."""
        if self.role_of(participant_id, staff=False, region=None) is None:
            raise NotAParticipantError()
        if participant_id in self.admitted:
            return self
        return replace(self, admitted=self.admitted | {participant_id})

    def check_entry(
        self,
        participant_id: str,
        role: ParticipantRole,
        present: Mapping[str, ParticipantRole],
        capacity: int,
    ) -> None:
        """Refuse a third person in a one-to-one room, and anyone past a collective capacity.

        present maps the participants already in the room (their signalling connections) to
        their roles; the participant's own earlier connection does not count.
        """
        others = {pid: r for pid, r in present.items() if pid != participant_id}
        if self.kind is RoomKind.ONE_TO_ONE:
            if role in others.values() or len(others) >= 2:
                raise ThirdPersonError()
            return
        if len(others) >= capacity:
            raise RoomFullError()

    # -- the appointment's changes ----------------------------------------------------------

    def _stale(self, at: datetime) -> bool:
        return self.revised_at is not None and at <= self.revised_at

    def moved(
        self, starts_at: datetime, ends_at: datetime | None, policy: RoomPolicy, at: datetime
    ) -> Room:
        """Return the room at the appointment's new time; a late or replayed move is ignored."""
        if self._stale(at) or self.cancelled or self.status in (RoomStatus.LIVE, RoomStatus.ENDED):
            return self
        length = self.ends_at - self.starts_at
        end = ends_at if ends_at is not None and ends_at > starts_at else starts_at + length
        return replace(
            self,
            starts_at=starts_at,
            ends_at=end,
            opens_at=starts_at - policy.join_early,
            closes_at=end + policy.join_late,
            revised_at=at,
        )

    def cancel(self, at: datetime) -> Room:
        """Return the room of a cancelled appointment: closed for good (an ended one stays)."""
        if self.cancelled or self.status is RoomStatus.ENDED:
            return self
        revised = at if self.revised_at is None else max(self.revised_at, at)
        return replace(self, status=RoomStatus.CANCELLED, cancelled=True, revised_at=revised)

    def requalified(self, modality: Modality, at: datetime) -> Room:
        """Return the room after a change of modality: open for phone or video, else closed."""
        if self._stale(at) or self.cancelled or self.status in (RoomStatus.LIVE, RoomStatus.ENDED):
            return self
        if modality in REMOTE_MODALITIES:
            return replace(self, modality=modality, status=RoomStatus.SCHEDULED, revised_at=at)
        return replace(self, modality=modality, status=RoomStatus.CANCELLED, revised_at=at)

    def registered(
        self,
        beneficiary_id: UUID,
        status: str,
        *,
        at: datetime,
        starts_at: datetime,
        policy: RoomPolicy,
    ) -> Room:
        """Return the collective room with a beneficiary's registration status as of at."""
        kept = [r for r in self.registrations if r.beneficiary_id != beneficiary_id]
        previous = next((r for r in self.registrations if r.beneficiary_id == beneficiary_id), None)
        room = self
        if previous is None or at > previous.at:
            room = replace(room, registrations=(*kept, Registration(beneficiary_id, status, at)))
        if not room._stale(at) and room.status is RoomStatus.SCHEDULED:
            # The latest event carries the session's time, should it have moved.
            ends_at = starts_at + policy.collective_length
            room = replace(
                room,
                starts_at=starts_at,
                ends_at=ends_at,
                opens_at=starts_at - policy.join_early,
                closes_at=ends_at + policy.join_late,
                revised_at=at,
            )
        return room

    # -- media ------------------------------------------------------------------------------

    def present(self, participant_id: str) -> Presence | None:
        """Return a connected participant's presence."""
        return next((p for p in self.connected if p.participant_id == participant_id), None)

    def joined(self, participant_id: str, role: ParticipantRole, now: datetime) -> Room:
        """Return the room with the participant's media connected; the session may start."""
        if self.status in (RoomStatus.ENDED, RoomStatus.CANCELLED):
            return self
        if self.present(participant_id) is not None:
            return self
        connected = (*self.connected, Presence(participant_id, role, now))
        room = replace(
            self,
            connected=connected,
            attended=self.attended | {participant_id},
            last_left_at=None,
        )
        roles = {p.role for p in connected}
        if room.started_at is None and roles & STAFF_ROLES and roles & GUEST_ROLES:
            room = replace(room, started_at=now, status=RoomStatus.LIVE)
        return room

    def left(self, participant_id: str, now: datetime) -> Room:
        """Return the room without the participant's media; an empty room notes since when."""
        if self.present(participant_id) is None:
            return self
        connected = tuple(p for p in self.connected if p.participant_id != participant_id)
        return replace(self, connected=connected, last_left_at=None if connected else now)

    def flagged(self, *, audio_only: bool = False, video_flowed: bool = False) -> Room:
        """Return the room noting someone dropped to audio only, or video flowing both ways."""
        return replace(
            self,
            audio_only=self.audio_only or audio_only,
            video_flowed=self.video_flowed or (video_flowed and self.is_video),
        )

    def ended(self, now: datetime) -> Room:
        """Return the room ended now; everyone's media is gone with it."""
        if self.status is RoomStatus.ENDED:
            raise RoomNotOpenError("already_ended", "the session has already ended")
        if self.status is RoomStatus.CANCELLED:
            raise RoomNotOpenError("room_not_open", "the room is cancelled")
        end = now if self.started_at is None else max(now, self.started_at)
        return replace(self, status=RoomStatus.ENDED, ended_at=end, connected=())

    def empty_for(self, now: datetime, grace: timedelta) -> bool:
        """Return whether a started session has stayed empty for the grace period."""
        return (
            self.status is RoomStatus.LIVE
            and not self.connected
            and self.last_left_at is not None
            and self.last_left_at + grace <= now
        )

    # -- erasure ----------------------------------------------------------------------------

    def without(self, beneficiary_id: UUID, case_ids: Iterable[UUID] = ()) -> Room:
        """Return the room with nothing left that links it to an erased beneficiary."""
        person = str(beneficiary_id)
        linked = self.beneficiary_id == beneficiary_id or (
            self.case_id is not None and self.case_id in set(case_ids)
        )
        return replace(
            self,
            beneficiary_id=None if linked else self.beneficiary_id,
            case_id=None if linked else self.case_id,
            registrations=tuple(
                r for r in self.registrations if r.beneficiary_id != beneficiary_id
            ),
            admitted=self.admitted - {person},
            connected=tuple(p for p in self.connected if p.participant_id != person),
            attended=self.attended - {person},
        )

"""The events a room's and a call's changes produce, built one way for every use case."""

from __future__ import annotations

from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.session import (
    SessionCallLogged,
    SessionEnded,
    SessionOpened,
    SessionParticipantJoined,
    SessionParticipantLeft,
)
from jalon_shared.events.vocabulary import LeaveReason, ParticipantRole
from remote_session.domain.calls import Call
from remote_session.domain.rooms import Room


def session_opened(room: Room, meta: EventMeta) -> SessionOpened:
    """Return the event of a room opened for its participants."""
    return SessionOpened(
        **meta.envelope(),
        room_id=room.room_id,
        kind=room.kind,
        modality=room.modality,
        appointment_id=room.appointment_id,
        collective_session_id=room.collective_session_id,
        case_id=room.case_id,
        beneficiary_id=room.beneficiary_id,
        counsellor_id=room.counsellor_id,
        starts_at=room.starts_at,
        region=room.region,
    )


def participant_joined(
    room: Room, participant_id: str, role: ParticipantRole, *, rejoin: bool, meta: EventMeta
) -> SessionParticipantJoined:
    """Return the event of a participant's media connected."""
    return SessionParticipantJoined(
        **meta.envelope(),
        room_id=room.room_id,
        role=role,
        participant_id=participant_id,
        rejoin=rejoin,
    )


def participant_left(
    room: Room, participant_id: str, role: ParticipantRole, reason: LeaveReason, meta: EventMeta
) -> SessionParticipantLeft:
    """Return the event of a participant gone from a room."""
    return SessionParticipantLeft(
        **meta.envelope(),
        room_id=room.room_id,
        role=role,
        participant_id=participant_id,
        reason=reason,
    )


def session_ended(room: Room, meta: EventMeta) -> SessionEnded:
    """Return the event of a session that took place, with what it measured."""
    if room.started_at is None or room.ended_at is None:
        raise ValueError("a session that never started has no end to tell")
    return SessionEnded(
        **meta.envelope(),
        room_id=room.room_id,
        kind=room.kind,
        appointment_id=room.appointment_id,
        collective_session_id=room.collective_session_id,
        case_id=room.case_id,
        beneficiary_id=room.beneficiary_id,
        counsellor_id=room.counsellor_id,
        started_at=room.started_at,
        ended_at=room.ended_at,
        duration_seconds=room.duration_seconds or 0.0,
        modality=room.modality_used,
        audio_only=room.audio_only,
        participants=len(room.attended),
        region=room.region,
    )


def call_logged(call: Call, meta: EventMeta) -> SessionCallLogged:
    """Return the event of a logged call."""
    return SessionCallLogged(
        **meta.envelope(),
        call_id=call.call_id,
        case_id=call.case_id,
        beneficiary_id=call.beneficiary_id,
        counsellor_id=call.counsellor_id,
        started_at=call.started_at,
        ended_at=call.ended_at,
        duration_seconds=call.duration_seconds,
        outcome=call.outcome,
    )

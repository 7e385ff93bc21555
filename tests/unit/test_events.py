"""Event contracts: frozen, closed, UTC, versioned and upcast."""

from __future__ import annotations

import importlib
import json
import pkgutil
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar, Literal

import pytest
from pydantic import ValidationError

import jalon_shared.events
from jalon_shared.events import document, intake, session, topics
from jalon_shared.events.appointment import AppointmentRescheduled
from jalon_shared.events.envelope import Event, Upcaster
from jalon_shared.events.intake import CaseOpened
from jalon_shared.events.registry import (
    REGISTRY,
    EventRegistry,
    RegistryError,
    UnknownEventError,
    concrete_events,
    parse_event,
)
from jalon_shared.events.vocabulary import Csp, ServiceLevel


def case_opened(**overrides: Any) -> CaseOpened:
    fields: dict[str, Any] = {
        "correlation_id": "corr-1",
        "producer": "intake",
        "case_id": uuid.uuid4(),
        "request_id": uuid.uuid4(),
        "beneficiary_id": uuid.uuid4(),
        "counsellor_id": "c-1",
        "region": "bretagne",
        "site": "rennes",
        "csp": Csp.CADRE,
        "service_level": ServiceLevel.ACCUEIL_INDIVIDUALISE,
    }
    fields.update(overrides)
    return CaseOpened(**fields)


def test_events_are_frozen_and_closed() -> None:
    event = case_opened()
    with pytest.raises(ValidationError):
        event.region = "normandie"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="extra"):
        CaseOpened.model_validate({**event.to_document(), "email": "x@example.org"})


def test_occurred_at_is_normalised_to_utc_and_must_be_aware() -> None:
    paris = timezone(timedelta(hours=1))
    event = case_opened(occurred_at=datetime(2026, 3, 1, 10, 0, tzinfo=paris))
    assert event.occurred_at.utcoffset() == timedelta(0)
    assert event.occurred_at.hour == 9
    with pytest.raises(ValidationError, match="timezone"):
        case_opened(occurred_at=datetime(2026, 3, 1, 10, 0))


def test_events_are_keyed_by_their_aggregate_and_round_trip() -> None:
    event = case_opened()
    assert event.TOPIC == topics.INTAKE_CASE
    assert event.key() == str(event.case_id)
    assert parse_event(event.to_json_bytes()) == event


def test_every_event_type_has_a_known_topic_with_partitions() -> None:
    for event_type, cls in REGISTRY.types.items():
        assert event_type.split(".")[0] in cls.TOPIC
        assert cls.TOPIC in topics.PARTITIONS


def test_the_registry_is_discovered_from_every_contract_module() -> None:
    modules = [
        importlib.import_module(f"jalon_shared.events.{info.name}")
        for info in pkgutil.iter_modules(jalon_shared.events.__path__)
    ]
    public_contracts = {
        cls
        for module in modules
        for name, cls in vars(module).items()
        if isinstance(cls, type)
        and issubclass(cls, Event)
        and cls is not Event
        and cls.__module__ == module.__name__
        and not name.startswith("_")
    }
    assert document in modules
    assert set(REGISTRY.types.values()) == public_contracts
    # The shared base of the staff-directory events names no event_type: it is not an event.
    assert intake._CounsellorProfile not in REGISTRY.types.values()
    assert REGISTRY.types["appointment.rescheduled"] is AppointmentRescheduled
    assert REGISTRY.on_topic(topics.DOCUMENT) == [
        document.DocumentDeclined,
        document.DocumentDelivered,
        document.DocumentExpired,
        document.DocumentShared,
        document.DocumentSigned,
        document.DocumentSubmittedForSignature,
    ]
    assert REGISTRY.on_topic(topics.SESSION) == [
        session.SessionCallLogged,
        session.SessionEnded,
        session.SessionMessagePosted,
        session.SessionOpened,
        session.SessionParticipantJoined,
        session.SessionParticipantLeft,
        session.SessionTaskAssigned,
        session.SessionTaskCompleted,
    ]


class _Probe(Event):
    """Base of the contracts these tests declare, kept apart from the real ones."""

    TOPIC: ClassVar[str] = topics.APPOINTMENT
    KEY_FIELD: ClassVar[str] = "thing_id"

    thing_id: uuid.UUID


class _ProbeMoved(_Probe):
    """A probe contract."""

    event_type: Literal["probe.moved"] = "probe.moved"
    schema_version: Literal[1] = 1


class _ProbeMovedAgain(_Probe):
    """Another contract that claims the same event_type."""

    event_type: Literal["probe.moved"] = "probe.moved"
    schema_version: Literal[1] = 1


def test_a_duplicate_event_type_fails_loudly() -> None:
    found = concrete_events(_Probe, __name__)
    assert found == [_ProbeMoved, _ProbeMovedAgain]
    with pytest.raises(RegistryError, match=r"'probe\.moved' is declared by _ProbeMoved and"):
        EventRegistry(found)


def test_inconsistent_contracts_fail_loudly() -> None:
    class Elsewhere(_Probe):
        TOPIC: ClassVar[str] = "probe.unknown.v1"
        event_type: Literal["probe.elsewhere"] = "probe.elsewhere"
        schema_version: Literal[1] = 1

    class BadKey(_Probe):
        KEY_FIELD: ClassVar[str] = "missing"
        event_type: Literal["probe.bad_key"] = "probe.bad_key"
        schema_version: Literal[1] = 1

    class FutureUpcaster(_Probe):
        UPCASTERS: ClassVar[Mapping[int, Upcaster]] = {2: dict}
        event_type: Literal["probe.future"] = "probe.future"
        schema_version: Literal[2] = 2

    for cls, reason in (
        (Elsewhere, "not a known topic"),
        (BadKey, "not one of its fields"),
        (FutureUpcaster, "upcaster from v2"),
    ):
        with pytest.raises(RegistryError, match=reason):
            EventRegistry([cls])


def rescheduled(**overrides: Any) -> AppointmentRescheduled:
    fields: dict[str, Any] = {
        "correlation_id": "corr-1",
        "producer": "appointment",
        "appointment_id": uuid.uuid4(),
        "case_id": uuid.uuid4(),
        "starts_at": datetime(2026, 3, 10, 9, 30, tzinfo=UTC),
        "rescheduled_from": datetime(2026, 3, 3, 14, 0, tzinfo=UTC),
    }
    fields.update(overrides)
    return AppointmentRescheduled(**fields)


#: AppointmentRescheduled as a v1 producer wrote it to its outbox: the old field name, no offset.
V1_RESCHEDULED = (
    '{"event_id":"5b0f8f8e-3f8d-4a8e-9a4f-0d6c1b2a3c4d","event_type":"appointment.rescheduled",'
    '"schema_version":1,"occurred_at":"2026-03-01T08:00:00Z","correlation_id":"corr-1",'
    '"causation_id":null,"producer":"appointment",'
    '"appointment_id":"0e9d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",'
    '"case_id":"7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2f1e",'
    '"starts_at":"2026-03-10T09:30:00Z","previous_starts_at":"2026-03-03T14:00:00"}'
)


def test_a_v1_payload_from_an_old_outbox_is_upcast_to_v2() -> None:
    event = parse_event(V1_RESCHEDULED)
    assert isinstance(event, AppointmentRescheduled)
    assert event.schema_version == 2
    assert event.rescheduled_from == datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
    assert event.rescheduled_from.utcoffset() == timedelta(0)
    assert event.starts_at == datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
    assert str(event.event_id) == "5b0f8f8e-3f8d-4a8e-9a4f-0d6c1b2a3c4d"
    assert "previous_starts_at" not in event.to_document()
    # A v1 time that did carry an offset keeps its instant.
    paris = json.loads(V1_RESCHEDULED) | {"previous_starts_at": "2026-03-03T15:00:00+01:00"}
    parsed = parse_event(paris)
    assert isinstance(parsed, AppointmentRescheduled)
    assert parsed.rescheduled_from == datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


def test_v2_round_trips_and_requires_an_offset() -> None:
    event = rescheduled()
    assert event.schema_version == 2
    assert parse_event(event.to_json_bytes()) == event
    assert parse_event(event.to_document()) == event
    naive = event.to_document() | {"rescheduled_from": "2026-03-03T14:00:00"}
    with pytest.raises(ValidationError, match="rescheduled_from"):
        parse_event(naive)
    # A v2 payload under the v1 name is not silently accepted.
    renamed = event.to_document()
    renamed["previous_starts_at"] = renamed.pop("rescheduled_from")
    with pytest.raises(ValidationError, match="previous_starts_at"):
        parse_event(renamed)


def test_a_newer_version_is_refused() -> None:
    v3 = rescheduled().to_document() | {"schema_version": 3}
    with pytest.raises(UnknownEventError, match=r"v3 is newer than this consumer \(v2\)"):
        parse_event(v3)
    with pytest.raises(UnknownEventError, match="schema_version must be an integer"):
        parse_event(json.loads(V1_RESCHEDULED) | {"schema_version": "1"})


def test_an_older_version_needs_every_upcaster_step() -> None:
    def jump_to_v3(payload: dict[str, Any]) -> dict[str, Any]:
        return payload | {"schema_version": 3}

    class NoHistory(_Probe):
        event_type: Literal["probe.no_history"] = "probe.no_history"
        schema_version: Literal[2] = 2

    class Skipping(_Probe):
        UPCASTERS: ClassVar[Mapping[int, Upcaster]] = {1: jump_to_v3}
        event_type: Literal["probe.skipping"] = "probe.skipping"
        schema_version: Literal[3] = 3

    registry = EventRegistry([NoHistory, Skipping])
    old = {"thing_id": str(uuid.uuid4()), "correlation_id": "c", "producer": "p"}
    with pytest.raises(UnknownEventError, match=r"no upcaster for probe\.no_history v1"):
        registry.parse(old | {"event_type": "probe.no_history", "schema_version": 1})
    with pytest.raises(UnknownEventError, match="skipped a step"):
        registry.parse(old | {"event_type": "probe.skipping", "schema_version": 1})


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\x00garbage", "Expecting value|invalid"),
        (b"[1, 2]", "JSON object"),
        (b'{"event_type": "intake.unknown", "schema_version": 1}', "unknown event_type"),
        (b'{"event_type": "intake.case_opened", "schema_version": 9}', "newer than"),
    ],
)
def test_malformed_messages_raise_value_errors(raw: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_event(raw)

"""Event contracts: frozen, closed, UTC, versioned and upcast."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from jalon_shared.events import topics
from jalon_shared.events.intake import BeneficiaryErased, CaseOpened
from jalon_shared.events.registry import EVENT_TYPES, UnknownEventError, parse_event
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
    for event_type, cls in EVENT_TYPES.items():
        assert event_type.split(".")[0] in cls.TOPIC
        assert cls.TOPIC in topics.PARTITIONS


def test_an_old_version_is_upcast_before_validation() -> None:
    event = BeneficiaryErased(correlation_id="c", producer="intake", beneficiary_id=uuid.uuid4())
    # A hypothetical v0 named the subject differently; its upcaster renames the field.
    old = event.to_document() | {"schema_version": 0}
    old["subject"] = old.pop("beneficiary_id")

    def v0_to_v1(payload: dict[str, Any]) -> dict[str, Any]:
        payload = dict(payload)
        payload["beneficiary_id"] = payload.pop("subject")
        payload["schema_version"] = 1
        return payload

    upcasters = {("intake.beneficiary_erased", 0): v0_to_v1}
    assert parse_event(json.dumps(old), upcasters) == event
    with pytest.raises(UnknownEventError, match="no upcaster"):
        parse_event(json.dumps(old), {})


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

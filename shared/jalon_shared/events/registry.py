"""Parse wire bytes into event contracts, upcasting older schema versions first."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from jalon_shared.events.appointment import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentHeld,
    AppointmentRescheduled,
)
from jalon_shared.events.document import (
    DocumentDeclined,
    DocumentSigned,
    DocumentSubmittedForSignature,
)
from jalon_shared.events.envelope import Event
from jalon_shared.events.intake import (
    BeneficiaryErased,
    CaseClosed,
    CaseOpened,
    CaseReassigned,
    CounsellorRegistered,
    CounsellorUpdated,
    RegionRegistered,
    RequestSubmitted,
    ServiceLevelChanged,
)

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownEventError(ValueError):
    """The message names an event type or version this code does not know."""


EVENT_TYPES: dict[str, type[Event]] = {
    cls.model_fields["event_type"].default: cls
    for cls in (
        RequestSubmitted,
        CaseOpened,
        CaseReassigned,
        ServiceLevelChanged,
        CaseClosed,
        BeneficiaryErased,
        CounsellorRegistered,
        CounsellorUpdated,
        RegionRegistered,
        AppointmentBooked,
        AppointmentRescheduled,
        AppointmentCancelled,
        AppointmentHeld,
        DocumentSubmittedForSignature,
        DocumentSigned,
        DocumentDeclined,
    )
}

#: (event_type, from_version) -> function returning the payload at from_version + 1.
UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def current_version(event_type: str) -> int:
    """Return the schema version this code produces for an event type."""
    default = EVENT_TYPES[event_type].model_fields["schema_version"].default
    return int(default)


def upcast(
    payload: dict[str, Any], upcasters: Mapping[tuple[str, int], Upcaster]
) -> dict[str, Any]:
    """Bring a payload up to the current schema version of its event type."""
    event_type = payload.get("event_type")
    if not isinstance(event_type, str) or event_type not in EVENT_TYPES:
        raise UnknownEventError(f"unknown event_type {event_type!r}")
    target = current_version(event_type)
    version = payload.get("schema_version")
    if not isinstance(version, int):
        raise UnknownEventError("schema_version must be an integer")
    if version > target:
        raise UnknownEventError(f"{event_type} v{version} is newer than this consumer (v{target})")
    while version < target:
        step = upcasters.get((event_type, version))
        if step is None:
            raise UnknownEventError(f"no upcaster for {event_type} v{version}")
        payload = step(payload)
        version = int(payload["schema_version"])
    return payload


def parse_event(
    raw: bytes | str | dict[str, Any], upcasters: Mapping[tuple[str, int], Upcaster] | None = None
) -> Event:
    """Decode, upcast and validate one event; raise ValueError on anything malformed."""
    payload: Any = raw if isinstance(raw, dict) else json.loads(raw)
    if not isinstance(payload, dict):
        raise UnknownEventError("an event must be a JSON object")
    payload = upcast(payload, UPCASTERS if upcasters is None else upcasters)
    return EVENT_TYPES[payload["event_type"]].model_validate(payload)

"""The event envelope every Jalon event carries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

#: Turns a payload at one schema version into the payload at the next one.
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def utc_now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class Event(BaseModel):
    """Base of all event contracts: frozen, closed and versioned."""

    # A serialised event carries every field, defaults included: its wire schema says so.
    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_serialization_defaults_required=True
    )

    #: Topic the event is published to; set by each concrete event.
    TOPIC: ClassVar[str]
    #: Name of the field holding the aggregate id, used as the Kafka key.
    KEY_FIELD: ClassVar[str]
    #: Upcasters of older payloads of this event, by the version each one reads.
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = {}

    event_id: UUID = Field(default_factory=uuid4)
    event_type: str
    schema_version: int
    occurred_at: AwareDatetime = Field(default_factory=utc_now)
    correlation_id: str = Field(min_length=1, max_length=128)
    causation_id: str | None = Field(default=None, max_length=128)
    producer: str = Field(min_length=1, max_length=64)

    @field_validator("occurred_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    def key(self) -> str:
        """Return the aggregate id this event is keyed by."""
        return str(getattr(self, self.KEY_FIELD))

    def to_json_bytes(self) -> bytes:
        """Serialise the event for the wire."""
        return self.model_dump_json().encode()

    def to_document(self) -> dict[str, Any]:
        """Serialise the event to a JSON-compatible dict."""
        return self.model_dump(mode="json")


class EventMeta(BaseModel):
    """Envelope fields a producer stamps on the events one command or event causes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    correlation_id: str
    causation_id: str | None = None
    producer: str

    def envelope(self) -> dict[str, Any]:
        """Return the fields to spread into a new event."""
        return {
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "producer": self.producer,
        }

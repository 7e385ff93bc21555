"""A service's AsyncAPI 3.0 document, built from its declared publications and consumer groups.

FastStream's generator names components "topic:Class" (a ':' the specification's component
names do not allow) and documents a raw-bytes subscriber as a binary string, so Jalon builds
the document itself from the event contracts: one channel per topic, the union of contracts a
topic carries on each receive operation, and the dead-letter topic wherever something consumes.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from faststream.specification.asyncapi.site import (
    ASYNCAPI_CSS_DEFAULT_URL,
    ASYNCAPI_JS_DEFAULT_URL,
)

from jalon_shared.events import topics
from jalon_shared.events.envelope import Event
from jalon_shared.events.registry import REGISTRY, EventRegistry

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
#: What the specification allows as a key of channels, operations and components.
NAME = re.compile(r"^[A-Za-z0-9._-]+$")

_SCHEMAS = "#/components/schemas/"
_EVENT_HEADERS = "EventHeaders"
_DEAD_LETTER = "DeadLetter"
_DEAD_LETTER_HEADERS = "DeadLetterHeaders"


class AsyncApiError(ValueError):
    """The declarations cannot make a valid document (a programming error)."""


@dataclass(frozen=True)
class ServiceMessaging:
    """What one service publishes and which consumer groups it runs on which topics."""

    publications: Mapping[str, Sequence[type[Event]]]
    subscriptions: Mapping[str, Sequence[str]]


def _ref(*parts: str) -> dict[str, str]:
    return {"$ref": "#/" + "/".join(parts)}


def _checked(name: str) -> str:
    if not NAME.match(name):
        raise AsyncApiError(f"{name!r} is not a valid AsyncAPI name")
    return name


class _Components:
    """Collects the reusable schemas and messages, refusing two different ones of one name."""

    def __init__(self) -> None:
        self.schemas: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, dict[str, Any]] = {}

    def schema(self, name: str, schema: dict[str, Any]) -> dict[str, str]:
        existing = self.schemas.setdefault(_checked(name), schema)
        if existing != schema:
            raise AsyncApiError(f"two different schemas are named {name!r}")
        return {"$ref": _SCHEMAS + name}

    def event(self, cls: type[Event]) -> str:
        """Add an event's message and schemas; return the message name."""
        event_type: str = cls.model_fields["event_type"].default
        if event_type in self.messages:
            return event_type
        schema = cls.model_json_schema(mode="serialization", ref_template=_SCHEMAS + "{model}")
        for name, definition in schema.pop("$defs", {}).items():
            self.schema(name, definition)
        key_field = cls.model_fields[cls.KEY_FIELD]
        self.messages[_checked(event_type)] = {
            "name": event_type,
            "title": cls.__name__,
            "summary": (cls.__doc__ or "").strip(),
            "contentType": "application/json",
            "headers": {"$ref": _SCHEMAS + _EVENT_HEADERS},
            "payload": self.schema(cls.__name__, schema),
            "correlationId": {"location": "$message.header#/correlation_id"},
            "bindings": {
                "kafka": {
                    "key": {
                        "type": "string",
                        "description": f"The event's {cls.KEY_FIELD}.",
                        **({"format": "uuid"} if key_field.annotation is not str else {}),
                    },
                    "bindingVersion": KAFKA_BINDING_VERSION,
                }
            },
        }
        self.schemas.setdefault(_EVENT_HEADERS, _event_headers())
        return event_type

    def dead_letter(self) -> str:
        """Add the dead-letter message; return its name."""
        self.schemas.setdefault(_DEAD_LETTER_HEADERS, _dead_letter_headers())
        self.messages.setdefault(
            _DEAD_LETTER,
            {
                "name": _DEAD_LETTER,
                "title": "Dead letter",
                "summary": "A message a consumer could not apply, unchanged, with the reason.",
                "contentType": "application/octet-stream",
                "headers": {"$ref": _SCHEMAS + _DEAD_LETTER_HEADERS},
                "payload": {
                    "type": "string",
                    "format": "binary",
                    "description": "The original message value as received; it may not be JSON.",
                },
                "bindings": {
                    "kafka": {
                        "key": {"type": "string", "description": "The original message key."},
                        "bindingVersion": KAFKA_BINDING_VERSION,
                    }
                },
            },
        )
        return _DEAD_LETTER


def _event_headers() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "Headers the outbox relay sets on every event.",
        "properties": {
            "event_id": {"type": "string", "format": "uuid"},
            "event_type": {"type": "string"},
            "correlation_id": {"type": "string", "maxLength": 128},
        },
        "required": ["event_id", "event_type", "correlation_id"],
    }


def _dead_letter_headers() -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "type": "object",
        "description": "The original headers, less any dlt.* ones, plus why and where it failed.",
        "properties": {
            "dlt.error": {**text, "description": "Error type and message, cut at 2000 chars."},
            "dlt.error_type": text,
            "dlt.original_topic": text,
            "dlt.original_partition": {**text, "pattern": "^[0-9]+$"},
            "dlt.original_offset": {**text, "pattern": "^[0-9]+$"},
            "dlt.consumer": {**text, "description": "The consumer group that gave up."},
            "dlt.attempts": {**text, "pattern": "^[0-9]+$"},
        },
        "required": [
            "dlt.error",
            "dlt.error_type",
            "dlt.original_topic",
            "dlt.original_partition",
            "dlt.original_offset",
            "dlt.consumer",
            "dlt.attempts",
        ],
    }


def _channel(topic: str, messages: Sequence[str]) -> dict[str, Any]:
    return {
        "address": topic,
        "messages": {name: _ref("components", "messages", name) for name in messages},
        "bindings": {
            "kafka": {
                "topic": topic,
                "partitions": topics.PARTITIONS[topic],
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _operation(
    action: str, topic: str, messages: Sequence[str], *, summary: str, group: str | None = None
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "action": action,
        "summary": summary,
        "channel": _ref("channels", topic),
        "messages": [_ref("channels", topic, "messages", name) for name in messages],
    }
    if group is not None:
        operation["bindings"] = {
            "kafka": {
                "groupId": {"type": "string", "enum": [group]},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        }
    return operation


def build_document(
    messaging: ServiceMessaging,
    *,
    title: str,
    version: str,
    description: str,
    bootstrap_servers: str,
    registry: EventRegistry = REGISTRY,
) -> dict[str, Any]:
    """Return the service's AsyncAPI document as a JSON-compatible dict."""
    components = _Components()
    channel_messages: dict[str, list[str]] = {}
    operations: dict[str, dict[str, Any]] = {}

    def on_channel(topic: str, names: Sequence[str]) -> None:
        if topic not in topics.PARTITIONS:
            raise AsyncApiError(f"{topic!r} is not a known topic")
        known = channel_messages.setdefault(_checked(topic), [])
        known.extend(name for name in names if name not in known)

    for topic, events in messaging.publications.items():
        for cls in events:
            if topic != cls.TOPIC:
                raise AsyncApiError(f"{cls.__name__} is published to {cls.TOPIC}, not {topic}")
        names = [components.event(cls) for cls in events]
        on_channel(topic, names)
        operations[_checked(f"publish.{topic}")] = _operation(
            "send", topic, names, summary=f"Relayed from the outbox to {topic}."
        )
    for group, group_topics in messaging.subscriptions.items():
        for topic in group_topics:
            accepted = registry.on_topic(topic)
            if not accepted:
                raise AsyncApiError(f"no event contract is published to {topic}")
            names = [components.event(cls) for cls in accepted]
            on_channel(topic, names)
            operations[_checked(f"{group}.receive.{topic}")] = _operation(
                "receive",
                topic,
                names,
                summary=f"Consumer group {group}: any of the contracts of {topic}, applied once.",
                group=group,
            )
    if messaging.subscriptions:
        name = components.dead_letter()
        on_channel(topics.DEAD_LETTER, [name])
        operations[_checked(f"publish.{topics.DEAD_LETTER}")] = _operation(
            "send",
            topics.DEAD_LETTER,
            [name],
            summary="Messages a consumer group could not parse or apply after its retries.",
        )

    hosts = [host.strip() for host in bootstrap_servers.split(",") if host.strip()]
    servers = {
        ("kafka" if len(hosts) == 1 else f"kafka-{i}"): {"host": host, "protocol": "kafka"}
        for i, host in enumerate(hosts, 1)
    }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": title, "version": version, "description": description},
        "defaultContentType": "application/json",
        "servers": servers,
        "channels": {
            topic: _channel(topic, names) for topic, names in sorted(channel_messages.items())
        },
        "operations": dict(sorted(operations.items())),
        "components": {
            "schemas": dict(sorted(components.schemas.items())),
            "messages": dict(sorted(components.messages.items())),
        },
    }


def render_html(document: Mapping[str, Any]) -> str:
    """Return a page rendering the document with the AsyncAPI web component."""
    # "</" would end the script element early; "<\/" means the same to JSON.
    schema = json.dumps(document).replace("</", "<\\/")
    title = html.escape(str(document["info"]["title"]))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} AsyncAPI</title>
<link rel="stylesheet" href="{ASYNCAPI_CSS_DEFAULT_URL}">
</head>
<body>
<div id="asyncapi"></div>
<script src="{ASYNCAPI_JS_DEFAULT_URL}"></script>
<script>
AsyncApiStandalone.render({{schema: {schema}, config: {{show: {{sidebar: true}}}}}},
  document.getElementById("asyncapi"));
</script>
</body>
</html>
"""

"""Parse wire bytes into event contracts, upcasting older schema versions first.

The registry is discovered from the contracts themselves: every concrete Event subclass defined
in the jalon_shared.events package, with the upcasters it declares. Nothing is listed by hand.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from jalon_shared.events import topics
from jalon_shared.events.envelope import Event, Upcaster

#: Where event contracts live (project rule); events defined elsewhere are not discovered.
CONTRACTS_PACKAGE = "jalon_shared.events"


class UnknownEventError(ValueError):
    """The message names an event type or version this code does not know."""


class RegistryError(RuntimeError):
    """The event contracts contradict each other (a programming error, raised at import)."""


def _subclasses(base: type[Event]) -> Iterator[type[Event]]:
    for cls in base.__subclasses__():
        yield cls
        yield from _subclasses(cls)


def _default(cls: type[Event], field: str) -> Any:
    info = cls.model_fields.get(field)
    return None if info is None else info.default


def concrete_events(base: type[Event], package: str) -> list[type[Event]]:
    """Return the subclasses of base defined under package that name an event_type."""
    found = {
        cls
        for cls in _subclasses(base)
        if (cls.__module__ == package or cls.__module__.startswith(f"{package}."))
        and isinstance(_default(cls, "event_type"), str)
    }
    return sorted(found, key=lambda cls: (cls.__module__, cls.__qualname__))


def import_contract_modules(package: str = CONTRACTS_PACKAGE) -> None:
    """Import every module of the contracts package, so its events are defined."""
    root = importlib.import_module(package)
    for module in pkgutil.iter_modules(root.__path__):
        importlib.import_module(f"{package}.{module.name}")


class EventRegistry:
    """Event types and upcasters, checked for consistency when built."""

    def __init__(self, classes: Iterable[type[Event]]) -> None:
        self._types: dict[str, type[Event]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        for cls in classes:
            self._add(cls)

    @classmethod
    def discover(cls, package: str = CONTRACTS_PACKAGE) -> EventRegistry:
        """Build the registry from every event contract defined under package."""
        import_contract_modules(package)
        return cls(concrete_events(Event, package))

    def _add(self, cls: type[Event]) -> None:
        event_type = _default(cls, "event_type")
        version = _default(cls, "schema_version")
        name = cls.__qualname__
        if not isinstance(event_type, str) or not event_type:
            raise RegistryError(f"{name} has no event_type default")
        if event_type in self._types:
            other = self._types[event_type].__qualname__
            raise RegistryError(f"event_type {event_type!r} is declared by {other} and {name}")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise RegistryError(f"{name} needs a positive integer schema_version default")
        topic = getattr(cls, "TOPIC", None)
        if topic not in topics.PARTITIONS:
            raise RegistryError(f"{name} is published to {topic!r}, which is not a known topic")
        key_field = getattr(cls, "KEY_FIELD", None)
        if key_field not in cls.model_fields:
            raise RegistryError(f"{name} is keyed by {key_field!r}, which is not one of its fields")
        # Only the class's own upcasters: a subclass is another event type with its own history.
        upcasters: Mapping[int, Upcaster] = vars(cls).get("UPCASTERS", {})
        for from_version, upcaster in upcasters.items():
            if not 1 <= from_version < version:
                raise RegistryError(
                    f"{name} declares an upcaster from v{from_version}, "
                    f"but only v1 to v{version - 1} can be upcast"
                )
            self._upcasters[(event_type, from_version)] = upcaster
        self._types[event_type] = cls

    @property
    def types(self) -> Mapping[str, type[Event]]:
        """Return the event classes by event_type."""
        return dict(self._types)

    def on_topic(self, topic: str) -> list[type[Event]]:
        """Return the event classes published to a topic, in event_type order."""
        return [cls for _, cls in sorted(self._types.items()) if topic == cls.TOPIC]

    def current_version(self, event_type: str) -> int:
        """Return the schema version this code produces for an event type."""
        return int(_default(self._types[event_type], "schema_version"))

    def upcast(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Bring a payload up to the current schema version of its event type."""
        event_type = payload.get("event_type")
        if not isinstance(event_type, str) or event_type not in self._types:
            raise UnknownEventError(f"unknown event_type {event_type!r}")
        target = self.current_version(event_type)
        version = payload.get("schema_version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise UnknownEventError("schema_version must be an integer")
        if version > target:
            raise UnknownEventError(
                f"{event_type} v{version} is newer than this consumer (v{target})"
            )
        while version < target:
            step = self._upcasters.get((event_type, version))
            if step is None:
                raise UnknownEventError(f"no upcaster for {event_type} v{version}")
            payload = step(payload)
            if payload.get("schema_version") != version + 1:
                raise UnknownEventError(f"the upcaster of {event_type} v{version} skipped a step")
            version += 1
        return payload

    def parse(self, raw: bytes | str | dict[str, Any]) -> Event:
        """Decode, upcast and validate one event; raise ValueError on anything malformed."""
        payload: Any = raw if isinstance(raw, dict) else json.loads(raw)
        if not isinstance(payload, dict):
            raise UnknownEventError("an event must be a JSON object")
        payload = self.upcast(payload)
        return self._types[payload["event_type"]].model_validate(payload)


#: Every event contract of the project; importing this module fails if two contracts clash.
REGISTRY = EventRegistry.discover()


def parse_event(raw: bytes | str | dict[str, Any], registry: EventRegistry = REGISTRY) -> Event:
    """Decode, upcast and validate one event with the project's registry."""
    return registry.parse(raw)

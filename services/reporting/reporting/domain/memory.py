"""The read model held in memory: the fold's reference for tests and benchmarks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from jalon_shared.events.envelope import Event
from reporting.domain.fold import Fold, State


class MemoryReadModel:
    """Folds batches the way the database adapter does, keeping state and counters in dicts."""

    def __init__(self) -> None:
        self.state = State()
        self.parked: dict[UUID, list[Event]] = {}
        self.seen: set[str] = set()
        #: Period documents by id, shaped as stored: {"kind", "key", "region", "cells"}.
        self.counters: dict[str, dict[str, Any]] = {}

    def apply(self, events: Sequence[Event]) -> int:
        """Fold one batch; return how many events were new."""
        fresh = []
        for event in events:
            if str(event.event_id) not in self.seen:
                self.seen.add(str(event.event_id))
                fresh.append(event)
        changes = Fold(self.state, self.parked).apply_all(fresh)
        for case_id, event in changes.parked:
            self.parked.setdefault(case_id, []).append(event)
        for case_id in changes.erased:
            self.parked.pop(case_id, None)
        changes.deltas.merge_into(self.counters)
        return len(fresh)

    def apply_all(self, events: Iterable[Event], batch: int = 500) -> None:
        """Fold events in batches."""
        chunk: list[Event] = []
        for event in events:
            chunk.append(event)
            if len(chunk) == batch:
                self.apply(chunk)
                chunk = []
        if chunk:
            self.apply(chunk)

    def documents(self, region: str, kind: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Return a region's period documents' cells by key, as the database reader does."""
        wanted = set(keys)
        return {
            str(doc["key"]): doc["cells"]
            for doc in self.counters.values()
            if doc["region"] == region and doc["kind"] == kind and doc["key"] in wanted
        }


def nonzero_leaves(documents: Iterable[dict[str, Any]]) -> dict[tuple[str, ...], int]:
    """Return every non-zero counter of period documents by path: what two read models compare."""
    leaves: dict[tuple[str, ...], int] = {}

    def walk(prefix: tuple[str, ...], node: dict[str, Any]) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                walk((*prefix, str(key)), value)
            elif value:
                leaves[(*prefix, str(key))] = int(value)

    for doc in documents:
        walk((str(doc["_id"]),), doc.get("cells", {}))
    return leaves

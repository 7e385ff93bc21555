"""What reporting's use cases need from the read-model store and the producers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from jalon_shared.events.envelope import Event


class CounterReader(Protocol):
    """Reads a region's period documents (pre-aggregated counters) from the active read model."""

    async def documents(
        self, region: str, kind: str, keys: Sequence[str]
    ) -> dict[str, dict[str, Any]]: ...


class RegionLabels(Protocol):
    """A region's label and its sites' labels, from reference data."""

    async def region_labels(self, region: str) -> tuple[str, dict[str, str]]: ...


class HistorySource(Protocol):
    """A producer's kept outbox history, read page by page in the order it was written."""

    name: str

    async def page(self, cursor: str | None, limit: int) -> tuple[list[Event], str | None]: ...


class RebuildTarget(Protocol):
    """The read model being rebuilt: a fresh generation that batches are folded into."""

    async def apply(self, events: Sequence[Event]) -> int: ...
    async def progress(self, read: int, applied: int, source: str) -> None: ...
    async def finish(self, seconds: float) -> None: ...
    async def abandon(self, reason: str) -> None: ...


class ReadModelAdmin(Protocol):
    """The read model's generations and reference labels, as the routes read them."""

    async def state(self) -> dict[str, Any]: ...
    async def rebuilding(self) -> bool: ...
    async def region_labels(self, region: str) -> tuple[str, dict[str, str]]: ...

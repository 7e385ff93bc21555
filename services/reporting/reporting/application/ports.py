"""What reporting's use cases need from the read-model store."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from reporting.domain.activity import RegionCounts


class ReadModel(Protocol):
    """Writes to the read model, inside the consumer's transaction, sent on flush."""

    async def flush(self) -> None: ...

    async def record_request(
        self,
        request_id: UUID,
        *,
        region: str,
        site: str,
        csp: str,
        service_level: str,
        modalities: list[str],
        duplicate: bool,
        at: datetime,
    ) -> None: ...

    async def record_case_opened(
        self,
        case_id: UUID,
        *,
        region: str,
        site: str,
        csp: str,
        service_level: str,
        assigned: bool,
        at: datetime,
    ) -> None: ...

    async def record_case_closed(
        self, case_id: UUID, *, reason: str, path_days: int, at: datetime
    ) -> None: ...

    async def record_level_changed(self, case_id: UUID, *, service_level: str) -> None: ...


class ActivityQueries(Protocol):
    """Reads raw counts for a region."""

    async def region_counts(self, region: str) -> RegionCounts: ...


class ReadModelFacts(Protocol):
    """The read model as a whole, for a rebuild."""

    async def clear(self) -> int: ...


class ProcessedMarkers(Protocol):
    """The consumer's record of the events it applied (IdempotentConsumer.reset)."""

    async def reset(self) -> int: ...

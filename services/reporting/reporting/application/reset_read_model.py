"""Use case: forget the read model so it is rebuilt from re-published history."""

from __future__ import annotations

from typing import Protocol


class ResettableReadModel(Protocol):
    """Can drop every fact and the markers of the events they came from."""

    async def reset(self) -> int: ...


async def reset_read_model(read_model: ResettableReadModel) -> int:
    """Drop the read model and its processed-event markers; return the facts removed."""
    return await read_model.reset()

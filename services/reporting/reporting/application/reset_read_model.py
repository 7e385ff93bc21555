"""Use case: forget the read model so it is rebuilt from re-published history."""

from __future__ import annotations

from reporting.application.ports import ProcessedMarkers, ReadModelFacts


async def reset_read_model(facts: ReadModelFacts, markers: ProcessedMarkers) -> int:
    """Drop the facts, then the consumer's processed markers; return the facts removed."""
    # Facts first: an event applied in between keeps its fact but loses its marker, so the
    # re-publish applies it again (writes are upserts and $sets). The other order would lose it.
    removed = await facts.clear()
    await markers.reset()
    return removed

"""Use case: a manager reads a region's indicators for a period, with filters."""

from __future__ import annotations

from reporting.application.ports import CounterReader, RegionLabels
from reporting.domain.dashboard import Dashboard, Filters, PeriodKind
from reporting.domain.indicators import dashboard
from reporting.domain.periods import period, stored_keys, trailing

#: Periods a trend shows, the one asked for included.
TRAILING = 12


async def get_dashboard(
    region: str,
    kind: PeriodKind,
    key: str,
    filters: Filters,
    *,
    counters: CounterReader,
    labels: RegionLabels,
) -> Dashboard:
    """Return the region's dashboard; raises PeriodError for a key that names no period."""
    periods = trailing(period(kind, key), TRAILING)
    keys = {p.key: stored_keys(p) for p in periods}
    # Quarters are stored as their months; weeks and months as themselves.
    stored = await counters.documents(
        region, "w" if kind is PeriodKind.WEEK else "m", [k for ks in keys.values() for k in ks]
    )
    documents = {p: [stored[k] for k in ks if k in stored] for p, ks in keys.items()}
    _, sites = await labels.region_labels(region)
    return dashboard(region, periods, documents, filters, sites)

"""Use case: a manager reads a region's indicators for a period, with filters."""

from __future__ import annotations

from jalon_shared.periods import PeriodKind
from reporting.application.ports import CounterReader, RegionLabels
from reporting.domain.dashboard import Dashboard, Filters
from reporting.domain.indicators import dashboard
from reporting.domain.periods import STORED_KIND, period, trailing

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
    stored = await counters.documents(region, STORED_KIND[kind], [p.key for p in periods])
    documents = {p.key: [stored[p.key]] if p.key in stored else [] for p in periods}
    _, sites = await labels.region_labels(region)
    return dashboard(region, periods, documents, filters, sites)

"""The period and filters of a dashboard, CSV or chart request, read from the query string."""
# FastAPI resolves dependency annotations at runtime.

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query

from jalon_shared.events.vocabulary import Csp, Modality, ServiceLevel
from jalon_shared.periods import PeriodKind, period_key
from reporting.domain.dashboard import Filters
from reporting.domain.periods import local_date

SITE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
#: Every kind's key shape; the kind itself is checked against its key by the use case.
KEY_PATTERN = r"^20\d{2}-(W\d{2}|0[1-9]|1[0-2]|Q[1-4])$"


@dataclass(frozen=True, slots=True)
class DashboardQuery:
    """A period (kind and key) and the filters."""

    kind: PeriodKind
    key: str
    filters: Filters


def dashboard_query(
    period: Annotated[PeriodKind, Query(description="week, month or quarter")] = PeriodKind.MONTH,
    at: Annotated[
        str | None, Query(pattern=KEY_PATTERN, description="2026-W47, 2026-11 or 2026-Q4")
    ] = None,
    site: Annotated[str | None, Query(pattern=SITE_PATTERN)] = None,
    level: ServiceLevel | None = None,
    modality: Modality | None = None,
    csp: Csp | None = None,
) -> DashboardQuery:
    """Return the query's period (the current one by default) and filters."""
    key = at if at is not None else period_key(period, local_date(datetime.now(UTC)))
    return DashboardQuery(
        kind=period,
        key=key,
        filters=Filters(
            site=site,
            level=None if level is None else level.value,
            modality=None if modality is None else modality.value,
            csp=None if csp is None else csp.value,
        ),
    )

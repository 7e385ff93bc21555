"""Activity figures as managers see them: small cells are suppressed."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

#: Cells counting fewer people than this are hidden so nobody can be singled out.
SUPPRESSION_THRESHOLD = 5


class Cell(BaseModel):
    """One figure of a report; value is None when the cell is suppressed."""

    value: int | None
    suppressed: bool


def cell(count: int) -> Cell:
    """Return a figure, suppressed when it is between 1 and the threshold."""
    if 0 < count < SUPPRESSION_THRESHOLD:
        return Cell(value=None, suppressed=True)
    return Cell(value=count, suppressed=False)


class RegionActivity(BaseModel):
    """A region's activity as a manager may read it."""

    region: str
    requests: Cell
    cases_opened: Cell
    cases_closed: Cell
    requests_by_site: dict[str, Cell]
    requests_by_csp: dict[str, Cell]
    cases_by_level: dict[str, Cell]


@dataclass(frozen=True, slots=True)
class RegionCounts:
    """A region's raw counts, never shown as they are."""

    region: str
    requests: int = 0
    cases_opened: int = 0
    cases_closed: int = 0
    requests_by_site: dict[str, int] = field(default_factory=dict)
    requests_by_csp: dict[str, int] = field(default_factory=dict)
    cases_by_level: dict[str, int] = field(default_factory=dict)


def region_activity(counts: RegionCounts) -> RegionActivity:
    """Build the suppressed view of a region's raw counts."""

    def cells(values: dict[str, int]) -> dict[str, Cell]:
        return {k: cell(v) for k, v in sorted(values.items())}

    return RegionActivity(
        region=counts.region,
        requests=cell(counts.requests),
        cases_opened=cell(counts.cases_opened),
        cases_closed=cell(counts.cases_closed),
        requests_by_site=cells(counts.requests_by_site),
        requests_by_csp=cells(counts.requests_by_csp),
        cases_by_level=cells(counts.cases_by_level),
    )

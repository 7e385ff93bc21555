"""Pre-aggregated counters: what one fact adds to a region's week and month, by cell.

A cell is one combination of site, service level, modality and CSP. Each region's week, month and
quarter is one document holding its cells, so a dashboard reads twelve documents, never raw facts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jalon_shared.periods import PeriodKind, period_key
from reporting.domain.periods import STORED_KIND

#: A dimension that does not apply to a fact (a request has no modality).
NA = "na"
SEPARATOR = "~"


@dataclass(frozen=True, slots=True)
class Dims:
    """Where a fact falls: region, site, service level, modality and CSP."""

    region: str
    site: str
    level: str = NA
    modality: str = NA
    csp: str = NA

    def cell(self) -> str:
        """Return the cell key inside a region's period document."""
        return SEPARATOR.join((self.site, self.level, self.modality, self.csp))


def split_cell(cell: str) -> tuple[str, str, str, str]:
    """Return (site, level, modality, csp) of a cell key."""
    site, level, modality, csp = cell.split(SEPARATOR)
    return site, level, modality, csp


@dataclass(slots=True)
class Contribution:
    """What one fact (or one entity's current state) adds to the counters of its day."""

    dims: Dims
    day: date
    counts: dict[str, int] = field(default_factory=dict)
    #: Small histograms: metric -> bucket (a whole number as text) -> count.
    buckets: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, metric: str, value: int = 1) -> Contribution:
        """Count value more of a metric."""
        self.counts[metric] = self.counts.get(metric, 0) + value
        return self

    def observe(self, metric: str, bucket: int) -> Contribution:
        """Count one observation of a metric in a bucket."""
        slot = self.buckets.setdefault(metric, {})
        slot[str(bucket)] = slot.get(str(bucket), 0) + 1
        return self

    def to_document(self) -> dict[str, Any]:
        """Serialise, to keep with the entity it came from (so it can be taken back)."""
        d = self.dims
        return {
            "dims": [d.region, d.site, d.level, d.modality, d.csp],
            "day": self.day.isoformat(),
            "counts": dict(self.counts),
            "buckets": {k: dict(v) for k, v in self.buckets.items()},
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Contribution:
        """Read back a contribution kept with its entity."""
        region, site, level, modality, csp = doc["dims"]
        return cls(
            dims=Dims(region, site, level, modality, csp),
            day=date.fromisoformat(doc["day"]),
            counts={str(k): int(v) for k, v in doc["counts"].items()},
            buckets={
                str(k): {str(b): int(n) for b, n in v.items()} for k, v in doc["buckets"].items()
            },
        )


def document_id(kind: str, key: str, region: str) -> str:
    """Return the id of a region's period document; kind is w (week), m (month) or q (quarter)."""
    return f"{kind}:{key}:{region}"


class Deltas:
    """The increments a batch makes, merged per period document, ready for one $inc each."""

    def __init__(self) -> None:
        self._incs: dict[str, dict[str, int]] = defaultdict(dict)
        self._where: dict[str, tuple[str, str, str]] = {}

    def apply(self, contribution: Contribution, sign: int = 1) -> None:
        """Add (sign 1) or take back (sign -1) a contribution."""
        cell = contribution.dims.cell()
        region = contribution.dims.region
        for period_kind in PeriodKind:
            kind, key = STORED_KIND[period_kind], period_key(period_kind, contribution.day)
            doc = document_id(kind, key, region)
            self._where[doc] = (kind, key, region)
            incs = self._incs[doc]
            for metric, value in contribution.counts.items():
                path = f"cells.{cell}.n.{metric}"
                incs[path] = incs.get(path, 0) + sign * value
            for metric, slots in contribution.buckets.items():
                for bucket, value in slots.items():
                    path = f"cells.{cell}.h.{metric}.{bucket}"
                    incs[path] = incs.get(path, 0) + sign * value

    def documents(self) -> list[tuple[str, tuple[str, str, str], dict[str, int]]]:
        """Return (document id, (kind, key, region), non-zero increments) per touched document."""
        out = []
        for doc, incs in self._incs.items():
            nonzero = {path: value for path, value in incs.items() if value}
            if nonzero:
                out.append((doc, self._where[doc], nonzero))
        return out

    def merge_into(self, counters: dict[str, dict[str, Any]]) -> None:
        """Apply the increments to in-memory period documents (tests and benches)."""
        for doc, (kind, key, region), incs in self.documents():
            target = counters.setdefault(
                doc, {"_id": doc, "kind": kind, "key": key, "region": region, "cells": {}}
            )
            for path, value in incs.items():
                node = target
                parts = path.split(".")
                for part in parts[:-1]:
                    node = node.setdefault(part, {})
                node[parts[-1]] = node.get(parts[-1], 0) + value

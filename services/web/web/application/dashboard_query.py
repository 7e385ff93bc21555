"""The period and filters a manager asked for, read from the page's query string."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar
from urllib.parse import urlencode

from jalon_shared.events.vocabulary import Csp, Modality, ServiceLevel
from jalon_shared.periods import PeriodKind
from web.domain.report_periods import (
    ReportPeriod,
    latest_within,
    parse_any_period,
    parse_period,
    period_of,
)

#: Reporting's pattern of a site code, used when the region's sites are unknown.
SITE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
E = TypeVar("E", ServiceLevel, Modality, Csp)
#: The query's fields, in the order a refusal names them.
FIELDS = ("period", "at", "site", "level", "modality", "csp")


@dataclass(frozen=True, slots=True)
class DashboardQuery:
    """A valid period and filters; None is « Tous »."""

    period: ReportPeriod
    site: str | None = None
    level: ServiceLevel | None = None
    modality: Modality | None = None
    csp: Csp | None = None

    @property
    def kind(self) -> PeriodKind:
        """Return the period's length."""
        return self.period.kind

    def params(self) -> dict[str, str]:
        """Return the query parameters reporting and the page's links take (only those set)."""
        found = {"period": self.kind.value, "at": self.period.key}
        for name in ("site", "level", "modality", "csp"):
            value = getattr(self, name)
            if value:
                found[name] = str(value)
        return found

    def query_string(self) -> str:
        """Return the parameters as a URL's query string."""
        return urlencode(self.params())

    def active(self) -> tuple[str, ...]:
        """Return the names of the filters that are set, besides the period."""
        return tuple(n for n in ("site", "level", "modality", "csp") if getattr(self, n))


@dataclass(frozen=True, slots=True)
class ReadQuery:
    """A query as read: the valid part, and the fields that were refused (with what was sent)."""

    query: DashboardQuery
    invalid: dict[str, str]


def _text(raw: Mapping[str, str], name: str) -> str:
    return str(raw.get(name, "") or "").strip()[:64]


def read_dashboard_query(
    raw: Mapping[str, str], *, today: date, sites: Collection[str] | None
) -> ReadQuery:
    """Read the query against the region's sites (None: unknown); refused fields fall back."""
    invalid: dict[str, str] = {}
    kind_text = _text(raw, "period")
    try:
        kind = PeriodKind(kind_text) if kind_text else PeriodKind.MONTH
    except ValueError:
        invalid["period"] = kind_text
        kind = PeriodKind.MONTH
    at = _text(raw, "at")
    period = period_of(kind, today)
    if at:
        chosen = parse_period(kind, at)
        if chosen is None:
            # A list not yet refreshed after the kind changed: keep looking inside that period.
            other = parse_any_period(at)
            chosen = latest_within(other, kind, today) if other is not None else None
        if chosen is None or chosen.start > today:
            invalid["at"] = at
        else:
            period = chosen
    site: str | None = _text(raw, "site") or None
    if site is not None and not _known_site(site, sites):
        invalid["site"] = site
        site = None
    level = _member(ServiceLevel, _text(raw, "level"), "level", invalid)
    modality = _member(Modality, _text(raw, "modality"), "modality", invalid)
    csp = _member(Csp, _text(raw, "csp"), "csp", invalid)
    return ReadQuery(
        DashboardQuery(period=period, site=site, level=level, modality=modality, csp=csp),
        invalid,
    )


def _known_site(site: str, sites: Collection[str] | None) -> bool:
    # Without the reference data, only the shape is checked; reporting keeps to the region.
    return SITE_PATTERN.match(site) is not None if sites is None else site in sites


def _member(enum: type[E], text: str, name: str, invalid: dict[str, str]) -> E | None:
    if not text:
        return None
    try:
        return enum(text)
    except ValueError:
        invalid[name] = text
        return None

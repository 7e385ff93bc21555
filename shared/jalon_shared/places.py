"""Regions and sites (reference data owned by intake) and the rule every copy checks places with."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict


class Site(BaseModel):
    """A site of a region; a closed site keeps its code for history but takes nothing new."""

    model_config = ConfigDict(frozen=True)

    code: str
    label: str
    active: bool = True


class Region(BaseModel):
    """A region with its sites."""

    model_config = ConfigDict(frozen=True)

    code: str
    label: str
    sites: tuple[Site, ...] = ()

    def site(self, code: str) -> Site | None:
        """Return the site of this region with the code, if any."""
        return next((site for site in self.sites if site.code == code), None)

    def site_label(self, code: str) -> str | None:
        """Return the label of a site of this region, if known."""
        site = self.site(code)
        return site.label if site is not None else None


@dataclass(frozen=True, slots=True)
class PlaceProblem:
    """Why a region and site pair is refused, named after the field at fault."""

    field: str
    type: str
    message: str


def place_problem(
    region: Region | None, site: str, *, site_in_other_region: bool = False
) -> PlaceProblem | None:
    """Return what is wrong with a region and site pair, or None when the site is open there."""
    if region is None:
        return PlaceProblem("region", "unknown_region", "Unknown region")
    known = region.site(site)
    if known is not None and known.active:
        return None
    if known is None and site_in_other_region:
        return PlaceProblem("site", "site_outside_region", "The site belongs to another region")
    return PlaceProblem("site", "unknown_site", "Unknown or closed site for this region")

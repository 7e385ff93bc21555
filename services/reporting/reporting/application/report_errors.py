"""Refusals the report use cases raise for the entrypoints to translate."""

from __future__ import annotations


class ReportNotFoundError(LookupError):
    """No such report in this region (unknown, or another region's)."""


class ReportExistsError(Exception):
    """The region's scheduled report of that month is already kept (another replica made it)."""

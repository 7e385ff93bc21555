"""Errors the use cases raise for the entrypoints to translate."""

from __future__ import annotations


class NotFoundError(LookupError):
    """The case, beneficiary or counsellor does not exist."""


class ForbiddenError(PermissionError):
    """The caller may not act on this record."""

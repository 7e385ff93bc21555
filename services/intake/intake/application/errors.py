"""Errors the use cases raise for the entrypoints to translate."""

from __future__ import annotations

from jalon_shared.places import PlaceProblem


class NotFoundError(LookupError):
    """The case, beneficiary, request or counsellor does not exist."""


class ForbiddenError(PermissionError):
    """The caller may not act on this record."""


class ContactInUseError(Exception):
    """The email or phone typed belongs to another person, who must not be named."""

    def __init__(self, field: str) -> None:
        super().__init__(f"this {field} belongs to another person")
        self.field = field


class InvalidPlaceError(ValueError):
    """The region or site is not open in the reference data."""

    def __init__(self, problem: PlaceProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem

"""Refusals the use cases raise for the entrypoints to translate."""

from __future__ import annotations


class NotFoundError(LookupError):
    """The case, thread, task or attachment does not exist for this caller."""


class ForbiddenError(PermissionError):
    """The caller may not act on this record; a reason code names why when the caller may know."""

    def __init__(self, message: str, *, reason: str | None = None, field: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field


class InvalidInputError(ValueError):
    """Input that passed its schema but cannot hold (a file type, a past date), by field."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


class ConflictError(Exception):
    """The request is sound but the state refuses it (a task already done)."""

    def __init__(self, reason: str, message: str, *, field: str = "task") -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field


class TooLargeError(ValueError):
    """A file over the size an attachment may be."""

"""Refusals the use cases raise for the entrypoints to translate."""

from __future__ import annotations


class NotFoundError(LookupError):
    """The summary, document or share does not exist for this caller."""


class ForbiddenError(PermissionError):
    """The caller may not act on this record."""


class InvalidInputError(ValueError):
    """Input that passed its schema but cannot hold (a wrong code, a file type), by field."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


class ConflictError(Exception):
    """The request is sound but the state refuses it (not a draft, already signed)."""

    def __init__(self, reason: str, message: str, *, field: str = "document") -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field


class TooLargeError(ValueError):
    """A file over the size the space takes."""


class TooManyRequestsError(Exception):
    """A limit on repeated requests was reached (codes sent for one document)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class UnavailableError(Exception):
    """A dependency did not answer (intake, the mail server) or signing is not configured."""

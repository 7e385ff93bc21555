"""Refusals the use cases raise for the entrypoints to translate."""

from __future__ import annotations


class NotFoundError(LookupError):
    """The appointment, case, plan or session does not exist for this caller."""


class ForbiddenError(PermissionError):
    """The caller may not act on this record."""


class InvalidInputError(ValueError):
    """Input that passed its schema but cannot hold (a slot outside the plan), by field."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


class ConflictError(Exception):
    """The request is sound but the state refuses it (the slot was taken, the policy window)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class SlotTakenError(ConflictError):
    """Another booking holds part of this slot: the database's unique index said so."""

    def __init__(self) -> None:
        super().__init__("slot_taken", "this slot was just booked by someone else")

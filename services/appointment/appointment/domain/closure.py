"""A site's closure: its face-to-face appointments in a period are proposed a remote modality."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from appointment.domain.booking import REMOTE_MODALITIES, BookingError
from jalon_shared.events.vocabulary import Modality


class ClosureStatus(StrEnum):
    """Where a closure's work stands."""

    RUNNING = "running"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class SiteClosure:
    """A closure and how far its requalification went, so a restart resumes where it stopped."""

    closure_id: UUID
    region: str
    site: str
    starts_at: datetime
    ends_at: datetime
    to_modality: Modality
    requested_by: str
    created_at: datetime
    status: ClosureStatus = ClosureStatus.RUNNING
    #: Appointments found when the closure started, and how many were handled so far.
    total: int = 0
    processed: int = 0
    #: The last appointment handled (appointments are walked in id order).
    cursor: UUID | None = None

    def __post_init__(self) -> None:
        if self.ends_at <= self.starts_at:
            raise BookingError("ends_before_start", "a closure ends after it starts")
        if self.to_modality not in REMOTE_MODALITIES:
            raise BookingError("not_remote", "a closed site's appointments move to phone or video")

    def covers(self, site: str, starts_at: datetime, ends_at: datetime) -> bool:
        """Return whether a meeting at this site and time falls inside the closure."""
        return site == self.site and starts_at < self.ends_at and ends_at > self.starts_at

    def advanced(self, handled: int, cursor: UUID | None, *, finished: bool) -> SiteClosure:
        """Return the closure after one batch."""
        return replace(
            self,
            processed=self.processed + handled,
            cursor=cursor if cursor is not None else self.cursor,
            status=ClosureStatus.DONE if finished else ClosureStatus.RUNNING,
            total=max(self.total, self.processed + handled),
        )

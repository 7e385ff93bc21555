"""What the use cases need from storage, the directory and the clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

from appointment.domain.availability import Busy, Plan
from appointment.domain.booking import Appointment
from appointment.domain.closure import SiteClosure
from appointment.domain.notices import Notice
from jalon_shared.directory.model import CaseEntry
from jalon_shared.events.envelope import Event

T = TypeVar("T")
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class WaitlistEntry:
    """A beneficiary who asked to hear of an earlier slot with their counsellor."""

    case_id: UUID
    beneficiary_id: UUID
    counsellor_id: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Schedule:
    """A counsellor's plan and the intervals their bookings hold, read together."""

    plan: Plan
    busy: list[Busy]


class AppointmentTransaction(Protocol):
    """Reads and writes inside one MongoDB transaction; events and notices commit with them."""

    async def appointment(self, appointment_id: UUID) -> Appointment | None: ...
    async def add(self, appointment: Appointment, cells: Sequence[datetime]) -> None:
        """Store a new appointment and its cells; raise SlotTakenError when one is held."""

    async def replace(
        self, appointment: Appointment, cells: Sequence[datetime] | None = None
    ) -> None:
        """Store a changed appointment; new cells replace its old ones, () frees them all."""

    async def save_plan(self, counsellor_id: str, plan: Plan, *, now: datetime) -> None: ...
    async def closure(self, closure_id: UUID) -> SiteClosure | None: ...
    async def save_closure(self, closure: SiteClosure) -> None: ...
    async def face_to_face_at(
        self, site: str, start: datetime, end: datetime, *, after: UUID | None, limit: int
    ) -> list[Appointment]:
        """Return booked face-to-face appointments at a site, in id order after a cursor."""

    async def held_before(self, case_id: UUID, appointment_id: UUID) -> bool:
        """Return whether another appointment of the case was already held."""

    async def waitlist(self, counsellor_id: str) -> list[WaitlistEntry]: ...
    async def join_waitlist(self, entry: WaitlistEntry) -> None: ...
    async def leave_waitlist(self, case_id: UUID) -> None: ...
    def publish(self, *events: Event) -> None: ...
    def notify(self, *notices: Notice) -> None: ...


class UnitOfWork(Protocol):
    """Runs work in one transaction, retried on write conflicts, and commits it all or nothing."""

    async def run(self, work: Callable[[AppointmentTransaction], Awaitable[T]]) -> T: ...


class AppointmentQueries(Protocol):
    """Reads outside a transaction, for pages and slot searches."""

    async def plan(self, counsellor_id: str) -> Plan | None: ...
    async def schedule(
        self, counsellor_id: str, start: datetime, end: datetime, *, exclude: UUID | None = None
    ) -> Schedule | None:
        """Return the plan and the booked intervals reaching into [start, end), or None."""

    async def appointment(self, appointment_id: UUID) -> Appointment | None: ...
    async def of_beneficiary(self, beneficiary_id: UUID) -> list[Appointment]: ...
    async def of_case(self, case_id: UUID) -> list[Appointment]: ...
    async def of_counsellor(
        self, counsellor_id: str, start: datetime, end: datetime
    ) -> list[Appointment]: ...
    async def closures_at(self, site: str, start: datetime, end: datetime) -> list[SiteClosure]: ...
    async def closures_of_region(self, region: str) -> list[SiteClosure]: ...
    async def closure(self, closure_id: UUID) -> SiteClosure | None: ...
    async def running_closures(self) -> list[SiteClosure]: ...
    async def face_to_face_at(
        self, site: str, start: datetime, end: datetime, *, after: UUID | None, limit: int
    ) -> list[Appointment]:
        """Return booked face-to-face appointments at a site, in id order after a cursor."""

    async def count_face_to_face_at(self, site: str, start: datetime, end: datetime) -> int: ...
    async def on_waitlist(self, case_id: UUID) -> bool: ...


class CaseDirectory(Protocol):
    """The local copy of intake's case ownership and staff (the shared directory)."""

    async def case(self, case_id: UUID) -> CaseEntry | None: ...
    async def cases_of(self, beneficiary_id: UUID) -> list[CaseEntry]: ...
    async def counsellor_region(self, counsellor_id: str) -> str | None: ...
    async def opened_at(self, case_id: UUID) -> datetime | None: ...
    async def site_in_region(self, region: str, site: str) -> bool: ...


class Eraser(Protocol):
    """Removes everything held about a beneficiary, inside the erasure consumer's transaction."""

    async def erase(self, beneficiary_id: UUID, case_ids: Sequence[UUID], session: object) -> int:
        """Delete the person's appointments, cells, notices and waitlist entries; return a count."""

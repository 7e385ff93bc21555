"""What the collective-session use cases need from storage and the directory copy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

from appointment.domain.collective import CollectiveSession, Registration, RegistrationStatus
from appointment.domain.notices import Notice
from jalon_shared.directory.model import CaseEntry
from jalon_shared.events.envelope import Event
from jalon_shared.places import PlaceProblem

T = TypeVar("T")
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Place:
    """What the database gave a new registration: a seat or not, and its order of arrival."""

    seated: bool
    position: int


@dataclass(frozen=True, slots=True)
class SessionLine:
    """A session with its counts, as lists and pages show it."""

    session: CollectiveSession
    #: Seats taken (registered, then attended or absent).
    registered: int
    waitlisted: int

    @property
    def seats_left(self) -> int:
        """Return the seats still free."""
        return max(self.session.capacity - self.registered, 0)


class AlreadyRegisteredError(Exception):
    """The person already holds an active registration: the unique index said so."""


class CollectiveTransaction(Protocol):
    """Reads and writes inside one MongoDB transaction; events and notices commit with them."""

    async def session(self, session_id: UUID) -> CollectiveSession | None: ...
    async def add_session(self, session: CollectiveSession) -> None: ...
    async def save_session(self, session: CollectiveSession) -> None:
        """Store a session's changed fields; its counts are never overwritten."""

    async def claim_place(self, session: CollectiveSession) -> Place | None:
        """Take a seat while the count is under the capacity, else a waitlist place.

        None when the session is not scheduled (or does not exist).
        """

    async def release_seat(self, session_id: UUID) -> None: ...
    async def add_registration(
        self, registration: Registration, session: CollectiveSession
    ) -> None:
        """Insert a registration; raise AlreadyRegisteredError when one is active already."""

    async def save_registration(self, registration: Registration) -> None: ...
    async def save_registrations(self, registrations: Sequence[Registration]) -> None: ...
    async def registration(self, registration_id: UUID) -> Registration | None: ...
    async def active_registration(
        self, session_id: UUID, beneficiary_id: UUID
    ) -> Registration | None: ...
    async def registrations(
        self, session_id: UUID, statuses: Collection[RegistrationStatus]
    ) -> list[Registration]:
        """Return a session's registrations in these states, in order of arrival."""

    async def first_waitlisted(self, session_id: UUID) -> Registration | None: ...
    async def registrations_of(self, beneficiary_id: UUID) -> list[Registration]: ...
    async def delete_registrations_of(self, beneficiary_id: UUID) -> int: ...
    def publish(self, *events: Event) -> None: ...
    def notify(self, *notices: Notice) -> None: ...


class CollectiveUnitOfWork(Protocol):
    """Runs work in one transaction, retried on write conflicts, and commits it all or nothing."""

    async def run(self, work: Callable[[CollectiveTransaction], Awaitable[T]]) -> T: ...


class CollectiveQueries(Protocol):
    """Reads outside a transaction, for lists and pages."""

    async def session(self, session_id: UUID) -> SessionLine | None: ...
    async def of_region(self, region: str, *, starting_after: datetime) -> list[SessionLine]:
        """Return a region's sessions starting after a time, soonest first."""

    async def open_in(self, regions: Collection[str], now: datetime) -> list[SessionLine]:
        """Return the scheduled sessions of these regions not started yet, soonest first."""

    async def with_ids(self, session_ids: Collection[UUID]) -> list[SessionLine]: ...
    async def registrations(self, session_id: UUID) -> list[Registration]:
        """Return a session's registrations, in order of arrival."""

    async def registrations_of(
        self, beneficiary_id: UUID, *, starting_after: datetime
    ) -> list[Registration]:
        """Return a beneficiary's registrations for sessions starting after a time."""

    async def waitlists(self, session_ids: Collection[UUID]) -> dict[UUID, list[Registration]]:
        """Return the waitlisted registrations of sessions, by session."""


class CollectiveDirectory(Protocol):
    """The local copy of intake's case ownership and reference data."""

    async def cases_of(self, beneficiary_id: UUID) -> list[CaseEntry]: ...
    async def cases_in_region(
        self, beneficiary_ids: Collection[UUID], region: str
    ) -> dict[UUID, UUID]:
        """Return each beneficiary's case in a region (an open one first), by beneficiary."""

    async def place_problem(self, region: str, site: str) -> PlaceProblem | None: ...

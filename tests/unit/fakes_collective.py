"""In-memory fakes of the collective-session ports: transactions all or nothing, like MongoDB's."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from appointment.application.collective_ports import (
    AlreadyRegisteredError,
    CollectiveTransaction,
    Place,
    SessionLine,
)
from appointment.domain.collective import (
    CollectiveSession,
    Registration,
    RegistrationStatus,
    SessionStatus,
    admission,
)
from appointment.domain.notices import Notice
from jalon_shared.directory.model import CaseEntry
from jalon_shared.events.envelope import Event
from jalon_shared.places import PlaceProblem

T = TypeVar("T")


@dataclass
class State:
    """What the fake store holds."""

    sessions: dict[UUID, CollectiveSession] = field(default_factory=dict)
    registered: dict[UUID, int] = field(default_factory=dict)
    last_position: dict[UUID, int] = field(default_factory=dict)
    registrations: dict[UUID, Registration] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    notices: dict[str, Notice] = field(default_factory=dict)


class FakeTransaction(CollectiveTransaction):
    """A transaction on the state; the unit of work restores it when the work fails."""

    def __init__(self, state: State) -> None:
        self.s = state

    async def session(self, session_id: UUID) -> CollectiveSession | None:
        return self.s.sessions.get(session_id)

    async def add_session(self, session: CollectiveSession) -> None:
        self.s.sessions[session.session_id] = session
        self.s.registered[session.session_id] = 0
        self.s.last_position[session.session_id] = 0

    async def save_session(self, session: CollectiveSession) -> None:
        self.s.sessions[session.session_id] = session

    async def claim_place(self, session: CollectiveSession) -> Place | None:
        stored = self.s.sessions.get(session.session_id)
        if stored is None or stored.status is not SessionStatus.SCHEDULED:
            return None
        sid = session.session_id
        seated = admission(self.s.registered[sid], stored.capacity) is RegistrationStatus.REGISTERED
        self.s.registered[sid] += 1 if seated else 0
        self.s.last_position[sid] += 1
        return Place(seated=seated, position=self.s.last_position[sid])

    async def release_seat(self, session_id: UUID) -> None:
        self.s.registered[session_id] = max(self.s.registered[session_id] - 1, 0)

    async def add_registration(
        self, registration: Registration, session: CollectiveSession
    ) -> None:
        if registration.active and await self.active_registration(
            registration.session_id, registration.beneficiary_id
        ):
            raise AlreadyRegisteredError
        self.s.registrations[registration.registration_id] = registration

    async def save_registration(self, registration: Registration) -> None:
        self.s.registrations[registration.registration_id] = registration

    async def save_registrations(self, registrations: Sequence[Registration]) -> None:
        for r in registrations:
            await self.save_registration(r)

    async def registration(self, registration_id: UUID) -> Registration | None:
        return self.s.registrations.get(registration_id)

    async def active_registration(
        self, session_id: UUID, beneficiary_id: UUID
    ) -> Registration | None:
        return next(
            (
                r
                for r in self.s.registrations.values()
                if r.session_id == session_id and r.beneficiary_id == beneficiary_id and r.active
            ),
            None,
        )

    async def registrations(
        self, session_id: UUID, statuses: Collection[RegistrationStatus]
    ) -> list[Registration]:
        found = [
            r
            for r in self.s.registrations.values()
            if r.session_id == session_id and r.status in statuses
        ]
        return sorted(found, key=lambda r: r.position)

    async def first_waitlisted(self, session_id: UUID) -> Registration | None:
        waiting = await self.registrations(session_id, {RegistrationStatus.WAITLISTED})
        return waiting[0] if waiting else None

    async def registrations_of(self, beneficiary_id: UUID) -> list[Registration]:
        return [r for r in self.s.registrations.values() if r.beneficiary_id == beneficiary_id]

    async def delete_registrations_of(self, beneficiary_id: UUID) -> int:
        gone = [k for k, r in self.s.registrations.items() if r.beneficiary_id == beneficiary_id]
        for key in gone:
            del self.s.registrations[key]
        return len(gone)

    def publish(self, *events: Event) -> None:
        self.s.events.extend(events)

    def notify(self, *notices: Notice) -> None:
        for notice in notices:
            self.s.notices.setdefault(notice.key, notice)


class FakeStore:
    """Unit of work, queries and directory over one state."""

    def __init__(self) -> None:
        self.state = State()
        self.cases: list[CaseEntry] = []
        self.sites: dict[str, set[str]] = {"bretagne": {"rennes", "brest"}, "normandie": {"caen"}}

    # Unit of work ---------------------------------------------------------------------------

    async def run(self, work: Callable[[CollectiveTransaction], Awaitable[T]]) -> T:
        before = copy.deepcopy(self.state)
        try:
            return await work(FakeTransaction(self.state))
        except BaseException:
            self.state = before
            raise

    # Queries --------------------------------------------------------------------------------

    def _line(self, session: CollectiveSession) -> SessionLine:
        waiting = sum(
            1
            for r in self.state.registrations.values()
            if r.session_id == session.session_id and r.status is RegistrationStatus.WAITLISTED
        )
        return SessionLine(session, self.state.registered[session.session_id], waiting)

    def _lines(self, keep: Callable[[CollectiveSession], bool]) -> list[SessionLine]:
        chosen = sorted(
            (s for s in self.state.sessions.values() if keep(s)), key=lambda s: s.starts_at
        )
        return [self._line(s) for s in chosen]

    async def session(self, session_id: UUID) -> SessionLine | None:
        found = self.state.sessions.get(session_id)
        return None if found is None else self._line(found)

    async def of_region(self, region: str, *, starting_after: datetime) -> list[SessionLine]:
        return self._lines(lambda s: s.region == region and s.starts_at > starting_after)

    async def open_in(self, regions: Collection[str], now: datetime) -> list[SessionLine]:
        return self._lines(lambda s: s.region in regions and s.is_open(now))

    async def with_ids(self, session_ids: Collection[UUID]) -> list[SessionLine]:
        return self._lines(lambda s: s.session_id in session_ids)

    async def registrations(self, session_id: UUID) -> list[Registration]:
        found = [r for r in self.state.registrations.values() if r.session_id == session_id]
        return sorted(found, key=lambda r: r.position)

    async def registrations_of(
        self, beneficiary_id: UUID, *, starting_after: datetime
    ) -> list[Registration]:
        return [
            r
            for r in self.state.registrations.values()
            if r.beneficiary_id == beneficiary_id
            and self.state.sessions[r.session_id].starts_at > starting_after
        ]

    async def waitlists(self, session_ids: Collection[UUID]) -> dict[UUID, list[Registration]]:
        found: dict[UUID, list[Registration]] = {}
        for r in self.state.registrations.values():
            if r.session_id in session_ids and r.status is RegistrationStatus.WAITLISTED:
                found.setdefault(r.session_id, []).append(r)
        return found

    # Directory ------------------------------------------------------------------------------

    async def cases_of(self, beneficiary_id: UUID) -> list[CaseEntry]:
        return [c for c in self.cases if c.beneficiary_id == beneficiary_id]

    async def cases_in_region(
        self, beneficiary_ids: Collection[UUID], region: str
    ) -> dict[UUID, UUID]:
        return {
            c.beneficiary_id: c.case_id
            for c in self.cases
            if c.beneficiary_id in beneficiary_ids and c.region == region
        }

    async def place_problem(self, region: str, site: str) -> PlaceProblem | None:
        if region not in self.sites:
            return PlaceProblem("region", "unknown_region", "Unknown region")
        if site not in self.sites[region]:
            return PlaceProblem("site", "unknown_site", "Unknown or closed site for this region")
        return None

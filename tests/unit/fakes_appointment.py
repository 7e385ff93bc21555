"""In-memory fakes of appointment's booking ports: transactions all or nothing, like MongoDB's."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from appointment.application.ports import (
    AppointmentQueries,
    AppointmentTransaction,
    CaseDirectory,
    Schedule,
    WaitlistEntry,
)
from appointment.domain.availability import Plan
from appointment.domain.booking import Appointment, Status
from appointment.domain.closure import SiteClosure
from appointment.domain.notices import Notice
from jalon_shared.directory.model import CaseEntry
from jalon_shared.events.envelope import Event

T = TypeVar("T")


@dataclass
class State:
    """What the fake store holds."""

    appointments: dict[UUID, Appointment] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    notices: dict[str, Notice] = field(default_factory=dict)
    #: How many transactions committed.
    commits: int = 0


class FakeTransaction(AppointmentTransaction):
    """A transaction on the state; the unit of work restores it when the work fails."""

    def __init__(self, state: State) -> None:
        self.s = state

    async def appointment(self, appointment_id: UUID) -> Appointment | None:
        return self.s.appointments.get(appointment_id)

    async def add(self, appointment: Appointment, cells: Sequence[datetime]) -> None:
        self.s.appointments[appointment.appointment_id] = appointment

    async def replace(
        self, appointment: Appointment, cells: Sequence[datetime] | None = None
    ) -> None:
        self.s.appointments[appointment.appointment_id] = appointment

    async def save_plan(self, counsellor_id: str, plan: Plan, *, now: datetime) -> None:
        raise NotImplementedError

    async def closure(self, closure_id: UUID) -> SiteClosure | None:
        return None

    async def save_closure(self, closure: SiteClosure) -> None:
        raise NotImplementedError

    async def face_to_face_at(
        self, site: str, start: datetime, end: datetime, *, after: UUID | None, limit: int
    ) -> list[Appointment]:
        return []

    async def held_before(self, case_id: UUID, appointment_id: UUID) -> bool:
        return any(
            a.case_id == case_id and a.status is Status.HELD and a.appointment_id != appointment_id
            for a in self.s.appointments.values()
        )

    async def waitlist(self, counsellor_id: str) -> list[WaitlistEntry]:
        return []

    async def join_waitlist(self, entry: WaitlistEntry) -> None:
        raise NotImplementedError

    async def leave_waitlist(self, case_id: UUID) -> None:
        return None

    def publish(self, *events: Event) -> None:
        self.s.events.extend(events)

    def notify(self, *notices: Notice) -> None:
        for notice in notices:
            self.s.notices.setdefault(notice.key, notice)


class FakeStore(AppointmentQueries, CaseDirectory):
    """Unit of work, queries and case directory over one state."""

    def __init__(self) -> None:
        self.state = State()
        self.cases: dict[UUID, CaseEntry] = {}
        #: When each case opened, as the directory copy holds it.
        self.opened: dict[UUID, datetime] = {}

    async def run(self, work: Callable[[AppointmentTransaction], Awaitable[T]]) -> T:
        """Run work on the state, restoring it if the work raises."""
        saved = copy.deepcopy(self.state)
        try:
            result = await work(FakeTransaction(self.state))
        except BaseException:
            self.state = saved
            raise
        self.state.commits += 1
        return result

    # Queries

    async def plan(self, counsellor_id: str) -> Plan | None:
        return None

    async def schedule(
        self, counsellor_id: str, start: datetime, end: datetime, *, exclude: UUID | None = None
    ) -> Schedule | None:
        return None

    async def appointment(self, appointment_id: UUID) -> Appointment | None:
        return self.state.appointments.get(appointment_id)

    async def of_beneficiary(self, beneficiary_id: UUID) -> list[Appointment]:
        return [a for a in self.state.appointments.values() if a.beneficiary_id == beneficiary_id]

    async def of_case(self, case_id: UUID) -> list[Appointment]:
        return [a for a in self.state.appointments.values() if a.case_id == case_id]

    async def of_counsellor(
        self, counsellor_id: str, start: datetime, end: datetime
    ) -> list[Appointment]:
        return [a for a in self.state.appointments.values() if a.counsellor_id == counsellor_id]

    async def closures_at(self, site: str, start: datetime, end: datetime) -> list[SiteClosure]:
        return []

    async def closures_of_region(self, region: str) -> list[SiteClosure]:
        return []

    async def closure(self, closure_id: UUID) -> SiteClosure | None:
        return None

    async def running_closures(self) -> list[SiteClosure]:
        return []

    async def face_to_face_at(
        self, site: str, start: datetime, end: datetime, *, after: UUID | None, limit: int
    ) -> list[Appointment]:
        return []

    async def count_face_to_face_at(self, site: str, start: datetime, end: datetime) -> int:
        return 0

    async def on_waitlist(self, case_id: UUID) -> bool:
        return False

    # Case directory

    async def case(self, case_id: UUID) -> CaseEntry | None:
        return self.cases.get(case_id)

    async def cases_of(self, beneficiary_id: UUID) -> list[CaseEntry]:
        return [c for c in self.cases.values() if c.beneficiary_id == beneficiary_id]

    async def counsellor_region(self, counsellor_id: str) -> str | None:
        return None

    async def opened_at(self, case_id: UUID) -> datetime | None:
        return self.opened.get(case_id)

    async def site_in_region(self, region: str, site: str) -> bool:
        return True

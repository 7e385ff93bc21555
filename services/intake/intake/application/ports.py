"""What the use cases need from storage: a transaction with repositories and an event sink."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Literal, Protocol, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from intake.domain.alerts import Alert
from intake.domain.model import Beneficiary, Case, CepRequest, Counsellor
from jalon_shared.events.envelope import Event
from jalon_shared.events.vocabulary import CaseStatus, ServiceLevel

T = TypeVar("T")


class Clock(Protocol):
    """Tells the time (a fake in tests)."""

    def __call__(self) -> datetime: ...


class IntakeTransaction(Protocol):
    """Repositories bound to one transaction, plus the events it will publish."""

    async def beneficiary(self, beneficiary_id: UUID) -> Beneficiary | None: ...
    async def find_beneficiaries_by_contact(
        self, email: str, phone: str | None
    ) -> list[Beneficiary]: ...
    async def save_beneficiary(self, beneficiary: Beneficiary) -> None: ...

    async def delete_beneficiary(self, beneficiary_id: UUID) -> None: ...

    async def save_request(self, request: CepRequest) -> None: ...
    async def requests_of(self, beneficiary_id: UUID) -> list[CepRequest]: ...
    async def schedule_request_purge(self, case_id: UUID, at: datetime) -> None: ...
    async def delete_requests_of(self, beneficiary_id: UUID) -> int: ...
    async def cases_of(self, beneficiary_id: UUID) -> list[Case]: ...
    async def open_case_of(self, beneficiary_id: UUID) -> Case | None: ...

    async def case(self, case_id: UUID) -> Case | None: ...
    async def save_case(self, case: Case) -> None: ...

    async def counsellor(self, counsellor_id: str) -> Counsellor | None: ...
    async def counsellors_in_region(self, region: str) -> list[Counsellor]: ...
    async def save_counsellor(self, counsellor: Counsellor) -> None: ...
    async def adjust_open_cases(self, counsellor_id: str, delta: int) -> None: ...

    def emit(self, event: Event) -> None: ...


class CaseloadQuery(BaseModel):
    """Filters, sort and page of a caseload request."""

    model_config = ConfigDict(frozen=True)

    status: CaseStatus | None = None
    service_level: ServiceLevel | None = None
    site: str | None = None
    alert: Alert | None = None
    sort: Literal["opened_at", "last_contact_at", "next_appointment_at"] = "opened_at"
    descending: bool = True
    limit: int = 50
    offset: int = 0
    no_contact_days: int = 30
    first_contact_days: int = 5


class IntakeQueries(Protocol):
    """Read-only queries outside any transaction."""

    async def caseload(
        self, counsellor_id: str, query: CaseloadQuery, now: datetime
    ) -> list[Case]: ...
    async def case(self, case_id: UUID) -> Case | None: ...
    async def beneficiary_names(self, ids: list[UUID]) -> dict[UUID, str]: ...
    async def counsellors(self, region: str) -> list[Counsellor]: ...
    async def unassigned_cases(self, region: str, limit: int) -> list[Case]: ...


class UnitOfWork(Protocol):
    """Runs work in one atomic transaction and publishes its events through the outbox."""

    async def run(
        self, work: Callable[[IntakeTransaction], Awaitable[T]], *, serialize_on: str | None = None
    ) -> T:
        """Run work atomically; work sharing a serialize_on key runs one at a time."""
        ...

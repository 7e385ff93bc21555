"""What the web front's use cases need: stores, the mailer, and the services' APIs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from jalon_shared.events.vocabulary import (
    AbsentParty,
    AppointmentKind,
    CloseReason,
    ConsentAnswer,
    Modality,
    ServiceLevel,
)
from web.application.appointment_views import (
    Appointment,
    AppointmentStatus,
    CancelReason,
    Closure,
    NoShowReason,
    Plan,
    Slots,
    Waitlist,
)
from web.application.dashboard_query import DashboardQuery
from web.application.reporting_views import Dashboard, FetchedFile, ReportSummary
from web.application.views import (
    CaseDetails,
    CaseloadAlerts,
    CaseloadFilters,
    CaseloadItem,
    Counsellor,
    OwnData,
    Region,
    SubmittedRequest,
)
from web.domain.accounts import BeneficiaryAccount, SignInCode, StaffAccount


class Clock(Protocol):
    """Tells the time."""

    def __call__(self) -> datetime: ...


class Hasher(Protocol):
    """Hashes and checks secrets (argon2 in production)."""

    def hash(self, secret: str) -> str: ...
    def verify(self, hashed: str, secret: str) -> bool: ...


class AccountStore(Protocol):
    """Accounts and pending codes."""

    async def staff(self, account_id: str) -> StaffAccount | None: ...
    async def save_staff(self, account: StaffAccount) -> None: ...
    async def beneficiary(self, email: str) -> BeneficiaryAccount | None: ...
    async def beneficiary_by_id(self, beneficiary_id: UUID) -> BeneficiaryAccount | None: ...
    async def save_beneficiary(self, account: BeneficiaryAccount) -> None: ...
    async def beneficiary_or_create(self, account: BeneficiaryAccount) -> BeneficiaryAccount:
        """Return the email's account, storing the given one if there was none (atomic)."""
        ...

    async def delete_beneficiary(self, email: str) -> None: ...
    async def save_code(self, code: SignInCode) -> None: ...
    async def claim_attempt(self, email: str, now: datetime) -> SignInCode | None:
        """Count one try on a usable code and return it, or None when none is usable."""
        ...

    async def delete_code(self, email: str) -> None: ...


class Mailer(Protocol):
    """Sends the sign-in code through the notification channel; raises MailNotSentError."""

    async def send_code(self, email: str, code: str) -> None: ...


class RateLimiter(Protocol):
    """Counts tries in fixed windows, shared by every replica of the front."""

    async def hit(self, bucket: str, expires_at: datetime) -> int:
        """Count one try in the bucket and return the count so far, this one included."""
        ...

    async def refund(self, bucket: str) -> None:
        """Take back one try (a successful sign-in does not use up the allowance)."""
        ...


class Revocations(Protocol):
    """Sessions refused before their token expires: by token id, or every one of a subject."""

    async def revoke_token(self, jti: str, until: datetime) -> None: ...
    async def revoke_subject(self, sub: str, until: datetime) -> None: ...
    async def is_revoked(self, jti: str, sub: str) -> bool: ...


class IntakeApi(Protocol):
    """Intake's API, called with the signed-in person's token; raises ApiError."""

    async def regions(self, token: str) -> list[Region]: ...
    async def submit_request(self, token: str, body: Mapping[str, Any]) -> SubmittedRequest: ...
    async def own_data(self, token: str) -> OwnData | None:
        """Return what intake holds about the beneficiary, or None before a first request."""
        ...

    async def export_own_data(self, token: str) -> dict[str, Any]:
        """Return everything intake holds about the beneficiary, as intake writes it."""
        ...

    async def erase_own_data(self, token: str) -> None: ...
    async def caseload(
        self, token: str, filters: CaseloadFilters, *, limit: int, offset: int
    ) -> list[CaseloadItem]: ...
    async def caseload_alerts(self, token: str) -> CaseloadAlerts: ...
    async def case(self, token: str, case_id: UUID) -> CaseDetails: ...
    async def reassign(self, token: str, case_id: UUID, to_counsellor_id: str) -> CaseDetails: ...
    async def change_service_level(
        self, token: str, case_id: UUID, level: ServiceLevel
    ) -> CaseDetails: ...
    async def close(self, token: str, case_id: UUID, reason: CloseReason) -> CaseDetails: ...
    async def confirm_duplicate(
        self, token: str, case_id: UUID, request_id: UUID
    ) -> CaseDetails: ...
    async def reject_duplicate(
        self, token: str, case_id: UUID, request_id: UUID
    ) -> CaseDetails: ...
    async def counsellors(self, token: str) -> list[Counsellor]: ...


class ReportingApi(Protocol):
    """Reporting's API, with the manager's token; raises ApiError (422 names the field)."""

    async def dashboard(self, token: str, region: str, query: DashboardQuery) -> Dashboard: ...
    async def export_csv(self, token: str, region: str, query: DashboardQuery) -> FetchedFile:
        """Return the funder's CSV of the period and filters."""
        ...

    async def chart(
        self, token: str, region: str, chart: str, query: DashboardQuery
    ) -> FetchedFile:
        """Return one chart of the period and filters, as SVG."""
        ...

    async def reports(self, token: str, region: str) -> list[ReportSummary]:
        """Return the region's monthly reports, newest first."""
        ...

    async def generate_report(self, token: str, region: str, month: str) -> ReportSummary:
        """Generate a month's report (this takes seconds) and return it."""
        ...

    async def report_pdf(self, token: str, region: str, report_id: UUID) -> FetchedFile: ...


class AppointmentApi(Protocol):
    """The appointment service's API, called with the signed-in person's token; raises ApiError.

    Times sent are aware; times read back are UTC. A refusal names its field (422) or its
    reason in `errors[0].type` (409: slot_taken, no_plan, no_counsellor, inside_policy_window).
    """

    async def plan(self, token: str) -> Plan | None:
        """Return the calling counsellor's plan, or None before they publish one."""
        ...

    async def save_plan(self, token: str, plan: Plan) -> Plan: ...
    async def slots(
        self,
        token: str,
        case_id: UUID,
        *,
        modality: Modality,
        kind: AppointmentKind,
        start: datetime,
        days: int,
        time_zone: str,
    ) -> Slots: ...
    async def book(
        self,
        token: str,
        case_id: UUID,
        *,
        modality: Modality,
        kind: AppointmentKind,
        starts_at: datetime,
        place: str | None = None,
    ) -> Appointment: ...
    async def case_appointments(self, token: str, case_id: UUID) -> list[Appointment]: ...
    async def set_waitlist(self, token: str, case_id: UUID, *, waiting: bool) -> Waitlist: ...
    async def my_appointments(self, token: str) -> list[Appointment]: ...
    async def agenda(self, token: str, start: datetime, end: datetime) -> list[Appointment]: ...
    async def appointment(self, token: str, appointment_id: UUID) -> Appointment: ...
    async def reschedule(
        self, token: str, appointment_id: UUID, starts_at: datetime
    ) -> Appointment: ...
    async def cancel(
        self, token: str, appointment_id: UUID, reason: CancelReason
    ) -> Appointment: ...
    async def settle(
        self,
        token: str,
        appointment_id: UUID,
        *,
        status: AppointmentStatus,
        absent: AbsentParty | None = None,
        reason: NoShowReason | None = None,
    ) -> Appointment: ...
    async def requalify(
        self, token: str, appointment_id: UUID, modality: Modality
    ) -> Appointment: ...
    async def consent(
        self,
        token: str,
        appointment_id: UUID,
        answer: ConsentAnswer,
        modality: Modality | None = None,
    ) -> Appointment: ...
    async def close_site(
        self,
        token: str,
        *,
        site: str,
        starts_at: datetime,
        ends_at: datetime,
        to_modality: Modality,
    ) -> Closure: ...
    async def closures(self, token: str) -> list[Closure]: ...
    async def closure(self, token: str, closure_id: UUID) -> Closure: ...

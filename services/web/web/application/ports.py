"""What the web front's use cases need: stores, the mailer, and the services' APIs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from jalon_shared.events.vocabulary import CloseReason, ServiceLevel
from web.application.views import (
    CaseDetails,
    CaseloadAlerts,
    CaseloadFilters,
    CaseloadItem,
    Counsellor,
    OwnData,
    Region,
    RegionActivity,
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
    """Reporting's API, called with the signed-in manager's token; raises ApiError."""

    async def region_activity(self, token: str, region: str) -> RegionActivity: ...

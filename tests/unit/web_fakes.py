"""Fakes of the web front's ports, and a front built on them with a browser-like client."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
from fastapi import FastAPI

from jalon_shared.access import Role
from jalon_shared.auth import TokenIssuer, TokenVerifier, generate_key_pair
from jalon_shared.events.vocabulary import CloseReason, ServiceLevel
from jalon_shared.settings import TOKEN_AUDIENCE, TOKEN_ISSUER
from web.application.dashboard_query import DashboardQuery
from web.application.errors import ApiError, MailNotSentError
from web.application.limits import SignInLimits
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
from web.domain.rate_limits import Limit
from web.entrypoints.app import create_web_app
from web.entrypoints.deps import WebDeps
from web.entrypoints.session import COOKIE

NOW = datetime(2026, 11, 23, 13, 5, tzinfo=UTC)
ORIGIN = "http://front.test"
PASSWORD = "jalon-demo"


@dataclass(frozen=True)
class Staff:
    """A staff member to seed (the shape jalon_dev.demo.DemoStaff has)."""

    account_id: str
    display_name: str
    role: Role
    region: str
    site: str | None = None


STAFF = (
    Staff("c-camille-bernard", "Camille Bernard", Role.COUNSELLOR, "bretagne", "rennes"),
    Staff("c-louise-martin", "Louise Martin", Role.COUNSELLOR, "bretagne", "rennes"),
    Staff("m-anne-durand", "Anne Durand", Role.MANAGER, "bretagne"),
)


class PlainHasher:
    """Hasher that keeps tests fast; argon2 itself is covered by the sign-in tests."""

    def hash(self, secret: str) -> str:
        return f"plain:{secret}"

    def verify(self, hashed: str, secret: str) -> bool:
        return hashed == f"plain:{secret}"


class MemoryAccounts:
    """AccountStore in memory."""

    def __init__(self) -> None:
        self.staff_accounts: dict[str, StaffAccount] = {}
        self.beneficiaries: dict[str, BeneficiaryAccount] = {}
        self.codes: dict[str, SignInCode] = {}

    async def staff(self, account_id: str) -> StaffAccount | None:
        return self.staff_accounts.get(account_id)

    async def save_staff(self, account: StaffAccount) -> None:
        self.staff_accounts[account.account_id] = account

    async def beneficiary(self, email: str) -> BeneficiaryAccount | None:
        return self.beneficiaries.get(email)

    async def beneficiary_by_id(self, beneficiary_id: UUID) -> BeneficiaryAccount | None:
        return next(
            (b for b in self.beneficiaries.values() if b.beneficiary_id == beneficiary_id), None
        )

    async def save_beneficiary(self, account: BeneficiaryAccount) -> None:
        self.beneficiaries[account.email] = account

    async def beneficiary_or_create(self, account: BeneficiaryAccount) -> BeneficiaryAccount:
        return self.beneficiaries.setdefault(account.email, account)

    async def delete_beneficiary(self, email: str) -> None:
        self.beneficiaries.pop(email, None)

    async def save_code(self, code: SignInCode) -> None:
        self.codes[code.email] = code

    async def claim_attempt(self, email: str, now: datetime) -> SignInCode | None:
        pending = self.codes.get(email)
        if pending is None or not pending.usable(now):
            return None
        pending.attempts += 1
        return pending

    async def delete_code(self, email: str) -> None:
        self.codes.pop(email, None)


class SentBox:
    """Mailer that keeps what it sent, or fails like a relay that is down."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.down = False

    async def send_code(self, email: str, code: str) -> None:
        if self.down:
            raise MailNotSentError
        self.sent.append((email, code))


class MemoryLimiter:
    """RateLimiter in memory."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    async def hit(self, bucket: str, expires_at: datetime) -> int:
        self.counts[bucket] = self.counts.get(bucket, 0) + 1
        return self.counts[bucket]

    async def refund(self, bucket: str) -> None:
        self.counts[bucket] = max(0, self.counts.get(bucket, 0) - 1)


class MemoryRevocations:
    """Revocations in memory."""

    def __init__(self) -> None:
        self.revoked: dict[str, datetime] = {}

    async def revoke_token(self, jti: str, until: datetime) -> None:
        self.revoked[f"jti:{jti}"] = until

    async def revoke_subject(self, sub: str, until: datetime) -> None:
        self.revoked[f"sub:{sub}"] = until

    async def is_revoked(self, jti: str, sub: str) -> bool:
        return f"jti:{jti}" in self.revoked or f"sub:{sub}" in self.revoked


def limits(attempts: int = 5, per_address: int = 20) -> SignInLimits:
    window = timedelta(minutes=15)
    return SignInLimits(
        password_per_account=Limit("password-account", attempts, window),
        password_per_address=Limit("password-address", per_address, window),
        code_per_email=Limit("code-email", attempts, window),
        code_per_address=Limit("code-address", per_address, window),
    )


# Intake's answers, shaped as the contract says ------------------------------------------------

REGIONS = [
    Region.model_validate(
        {
            "code": "bretagne",
            "label": "Bretagne",
            "sites": [
                {"code": "rennes", "label": "Rennes", "active": True},
                {"code": "brest", "label": "Brest", "active": True},
                {"code": "lorient", "label": "Lorient", "active": False},
            ],
        }
    ),
    Region.model_validate(
        {
            "code": "normandie",
            "label": "Normandie",
            "sites": [{"code": "le-havre", "label": "Le Havre", "active": True}],
        }
    ),
]


def case_details(**overrides: Any) -> CaseDetails:
    """Return a case as GET /cases/{id} shows it to its counsellor."""
    request_id = uuid4()
    data: dict[str, Any] = {
        "case_id": str(uuid4()),
        "region": "bretagne",
        "region_label": "Bretagne",
        "site": "rennes",
        "site_label": "Rennes",
        "status": "in_progress",
        "service_level": "accueil_individualise",
        "csp": "ouvrier",
        "opened_at": "2026-11-20T08:30:00Z",
        "closed_at": None,
        "close_reason": None,
        "last_contact_at": "2026-11-23T13:05:00Z",
        "next_appointment_at": "2026-12-01T09:00:00Z",
        "pending_signature": False,
        "counsellor_id": "c-camille-bernard",
        "counsellor_name": "Camille Bernard",
        "beneficiary": {
            "first_name": "Inès",
            "last_name": "Moreau",
            "email": "ines.moreau@example.org",
            "phone": "06 12 34 56 78",
            "preferred_channel": "phone",
            "languages": ["fr", "ar"],
        },
        "request": {
            "request_id": str(request_id),
            "submitted_at": "2026-11-20T08:30:00Z",
            "employment_situation": "job_seeker",
            "csp": "ouvrier",
            "need": "Je voudrais devenir soudeuse.",
            "topics": ["vae", "reconversion"],
            "modalities": ["phone", "face_to_face"],
            "availability": "le lundi matin",
            "accessibility": ["no_equipment"],
            "service_level": "accueil_individualise",
        },
        "possible_duplicates": [],
        "history": [
            {
                "at": "2026-11-20T08:30:00Z",
                "action": "opened",
                "by": "beneficiary",
                "by_name": None,
                "counsellor_id": "c-camille-bernard",
                "counsellor_name": "Camille Bernard",
                "detail": None,
            }
        ],
    }
    data.update(overrides)
    return CaseDetails.model_validate(data)


def caseload_item(**overrides: Any) -> CaseloadItem:
    """Return one caseload line."""
    data: dict[str, Any] = {
        "case_id": str(uuid4()),
        "beneficiary_name": "Inès Moreau",
        "region": "bretagne",
        "site": "rennes",
        "site_label": "Rennes",
        "status": "opened",
        "service_level": "accueil_individualise",
        "csp": "ouvrier",
        "opened_at": "2026-11-20T08:30:00Z",
        "last_contact_at": None,
        "next_appointment_at": None,
        "pending_signature": False,
        "alerts": [],
        "pending_duplicates": 0,
    }
    data.update(overrides)
    return CaseloadItem.model_validate(data)


def counsellor(counsellor_id: str, name: str, site: str = "rennes", **extra: Any) -> Counsellor:
    """Return a directory entry."""
    data: dict[str, Any] = {
        "counsellor_id": counsellor_id,
        "display_name": name,
        "region": "bretagne",
        "site": site,
        "site_label": site.capitalize(),
        "capacity": 30,
        "open_cases": 12,
        "active": True,
        "skills": ["vae"],
        "languages": ["fr"],
    }
    data.update(extra)
    return Counsellor.model_validate(data)


@dataclass
class FakeIntake:
    """IntakeApi with canned answers; `fail` makes one method raise; every call is recorded."""

    regions_list: list[Region] = field(default_factory=lambda: list(REGIONS))
    own: OwnData | None = None
    export: dict[str, Any] = field(default_factory=dict)
    cases: dict[UUID, CaseDetails] = field(default_factory=dict)
    items: list[CaseloadItem] = field(default_factory=list)
    alerts: CaseloadAlerts = field(default_factory=CaseloadAlerts)
    directory: list[Counsellor] = field(default_factory=list)
    submitted: SubmittedRequest | None = None
    fail: dict[str, ApiError] = field(default_factory=dict)
    calls: list[tuple[str, str, tuple[Any, ...]]] = field(default_factory=list)

    def _call(self, name: str, token: str, *args: Any) -> None:
        self.calls.append((name, token, args))
        if name in self.fail:
            raise self.fail[name]

    def called(self, name: str) -> list[tuple[Any, ...]]:
        return [args for called, _, args in self.calls if called == name]

    async def regions(self, token: str) -> list[Region]:
        self._call("regions", token)
        return self.regions_list

    async def submit_request(self, token: str, body: Mapping[str, Any]) -> SubmittedRequest:
        self._call("submit_request", token, dict(body))
        if self.submitted is None:
            raise ApiError(503, "no answer")
        return self.submitted

    async def own_data(self, token: str) -> OwnData | None:
        self._call("own_data", token)
        return self.own

    async def export_own_data(self, token: str) -> dict[str, Any]:
        self._call("export_own_data", token)
        return self.export

    async def erase_own_data(self, token: str) -> None:
        self._call("erase_own_data", token)

    async def caseload(
        self, token: str, filters: CaseloadFilters, *, limit: int, offset: int
    ) -> list[CaseloadItem]:
        self._call("caseload", token, filters, limit, offset)
        return self.items[offset : offset + limit]

    async def caseload_alerts(self, token: str) -> CaseloadAlerts:
        self._call("caseload_alerts", token)
        return self.alerts

    def _case(self, case_id: UUID) -> CaseDetails:
        if case_id not in self.cases:
            raise ApiError(404, "case not found")
        return self.cases[case_id]

    async def case(self, token: str, case_id: UUID) -> CaseDetails:
        self._call("case", token, case_id)
        return self._case(case_id)

    async def reassign(self, token: str, case_id: UUID, to_counsellor_id: str) -> CaseDetails:
        self._call("reassign", token, case_id, to_counsellor_id)
        return self._case(case_id)

    async def change_service_level(
        self, token: str, case_id: UUID, level: ServiceLevel
    ) -> CaseDetails:
        self._call("change_service_level", token, case_id, level)
        return self._case(case_id)

    async def close(self, token: str, case_id: UUID, reason: CloseReason) -> CaseDetails:
        self._call("close", token, case_id, reason)
        return self._case(case_id)

    async def confirm_duplicate(self, token: str, case_id: UUID, request_id: UUID) -> CaseDetails:
        self._call("confirm_duplicate", token, case_id, request_id)
        return self._case(case_id)

    async def reject_duplicate(self, token: str, case_id: UUID, request_id: UUID) -> CaseDetails:
        self._call("reject_duplicate", token, case_id, request_id)
        return self._case(case_id)

    async def counsellors(self, token: str) -> list[Counsellor]:
        self._call("counsellors", token)
        return self.directory


@dataclass
class FakeReporting:
    """ReportingApi with canned answers (no board: down); `fail` makes one method raise."""

    board: Dashboard | None = None
    csv: bytes = "\ufeffRégion;Période\r\nBretagne;2026-11\r\n".encode()
    svg: bytes = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    pdf: bytes = b"%PDF-1.7 fake report"
    report_list: list[ReportSummary] = field(default_factory=list)
    fail: dict[str, ApiError] = field(default_factory=dict)
    calls: list[tuple[str, str, tuple[Any, ...]]] = field(default_factory=list)

    def _call(self, name: str, region: str, *args: Any) -> None:
        self.calls.append((name, region, args))
        if name in self.fail:
            raise self.fail[name]

    def called(self, name: str) -> list[tuple[Any, ...]]:
        return [(region, *args) for called, region, args in self.calls if called == name]

    async def dashboard(self, token: str, region: str, query: DashboardQuery) -> Dashboard:
        self._call("dashboard", region, query)
        if self.board is None:
            raise ApiError(503, "down")
        return self.board

    async def export_csv(self, token: str, region: str, query: DashboardQuery) -> FetchedFile:
        self._call("export_csv", region, query)
        return FetchedFile(self.csv, "text/csv; charset=utf-8", "export.csv")

    async def chart(
        self, token: str, region: str, chart: str, query: DashboardQuery
    ) -> FetchedFile:
        self._call("chart", region, chart, query)
        return FetchedFile(self.svg, "image/svg+xml")

    async def reports(self, token: str, region: str) -> list[ReportSummary]:
        self._call("reports", region)
        return self.report_list

    async def generate_report(self, token: str, region: str, month: str) -> ReportSummary:
        self._call("generate_report", region, month)
        report = ReportSummary(
            report_id=uuid4(),
            region=region,
            month=month,
            generated_at=NOW,
            pages=4,
            size_bytes=245_300,
        )
        self.report_list.insert(0, report)
        return report

    async def report_pdf(self, token: str, region: str, report_id: UUID) -> FetchedFile:
        self._call("report_pdf", region, report_id)
        if not any(r.report_id == report_id for r in self.report_list):
            raise ApiError(404, "report not found")
        return FetchedFile(self.pdf, "application/pdf", f"jalon-rapport-{region}-2026-10.pdf")


@dataclass
class Front:
    """A web front on fakes and a browser-like client on it."""

    app: FastAPI
    client: httpx.AsyncClient
    deps: WebDeps
    accounts: MemoryAccounts
    mailer: SentBox
    limiter: MemoryLimiter
    revocations: MemoryRevocations
    intake: FakeIntake
    reporting: FakeReporting
    verifier: TokenVerifier

    def form_token(self) -> str:
        """Return the token this session's forms carry (as a page would embed it)."""
        jti = self.verifier.verify(self.client.cookies[COOKIE]).jti or ""
        return hmac.new(self.deps.form_key, jti.encode(), hashlib.sha256).hexdigest()

    async def post(self, path: str, data: dict[str, Any] | None = None) -> httpx.Response:
        """Post a form of a signed-in page, token included."""
        return await self.client.post(path, data={**(data or {}), "form_token": self.form_token()})


def build_front(*, attempts: int = 5, per_address: int = 20) -> Front:
    """Return a front on fakes, with its staff accounts seeded."""
    private_pem, public_pem = generate_key_pair()
    accounts, mailer = MemoryAccounts(), SentBox()
    limiter, revocations = MemoryLimiter(), MemoryRevocations()
    intake, reporting = FakeIntake(), FakeReporting()
    verifier = TokenVerifier(public_pem, issuer=TOKEN_ISSUER, audience=TOKEN_AUDIENCE)
    for member in STAFF:
        accounts.staff_accounts[member.account_id] = StaffAccount(
            account_id=member.account_id,
            display_name=member.display_name,
            role=member.role,
            region=member.region,
            site=member.site,
            password_hash=PlainHasher().hash(PASSWORD),
        )
    deps = WebDeps(
        accounts=accounts,
        hasher=PlainHasher(),
        mailer=mailer,
        clock=lambda: NOW,
        issuer=TokenIssuer(private_pem, issuer=TOKEN_ISSUER, audience=TOKEN_AUDIENCE),
        verifier=verifier,
        intake=intake,
        reporting=reporting,
        limiter=limiter,
        limits=limits(attempts, per_address),
        revocations=revocations,
        form_key=b"k" * 32,
        secure_cookies=False,
    )
    app = create_web_app(deps)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app, raise_app_exceptions=False),
        base_url=ORIGIN,
        headers={"Origin": ORIGIN, "Sec-Fetch-Site": "same-origin"},
    )
    return Front(
        app, client, deps, accounts, mailer, limiter, revocations, intake, reporting, verifier
    )


async def sign_in(front: Front, persona: str, account_id: str) -> httpx.Response:
    """Sign a staff member in with the demo password."""
    form = {"account_id": account_id, "password": PASSWORD}
    return await front.client.post(f"/{persona}/sign-in", data=form)


async def sign_in_beneficiary(front: Front, email: str) -> BeneficiaryAccount:
    """Sign a beneficiary in with the code the mailer received."""
    await front.client.post("/beneficiary/code", data={"email": email})
    code = front.mailer.sent[-1][1]
    answer = await front.client.post("/beneficiary/verify", data={"email": email, "code": code})
    assert answer.status_code == 303
    account = front.accounts.beneficiaries[email.strip().lower()]
    return account

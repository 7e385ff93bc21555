"""Sign-in rules of the web front, with an in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from jalon_shared.access import Role
from web.adapters.security import Argon2Hasher
from web.application.request_sign_in_code import request_sign_in_code
from web.application.seed_demo_accounts import DEMO_PASSWORD, seed_demo_accounts
from web.application.sign_in_staff import sign_in_staff
from web.application.verify_sign_in_code import verify_sign_in_code
from web.domain.accounts import MAX_CODE_ATTEMPTS, BeneficiaryAccount, SignInCode, StaffAccount

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


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
    """Mailer that keeps what it sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send_code(self, email: str, code: str) -> None:
        self.sent.append((email, code))


async def test_a_code_signs_in_once_and_is_stored_hashed() -> None:
    accounts, mailer, hasher = MemoryAccounts(), SentBox(), Argon2Hasher()
    code = await request_sign_in_code(
        " Lea@Example.org", accounts=accounts, hasher=hasher, mailer=mailer, clock=lambda: NOW
    )
    assert mailer.sent == [("lea@example.org", code)]
    assert code not in accounts.codes["lea@example.org"].code_hash
    account = await verify_sign_in_code(
        "lea@example.org", code, accounts=accounts, hasher=hasher, clock=lambda: NOW
    )
    assert account is not None
    again = await verify_sign_in_code(
        "lea@example.org", code, accounts=accounts, hasher=hasher, clock=lambda: NOW
    )
    assert again is None


async def test_codes_expire_and_lock_after_too_many_wrong_tries() -> None:
    accounts, mailer, hasher = MemoryAccounts(), SentBox(), Argon2Hasher()
    code = await request_sign_in_code(
        "a@example.org", accounts=accounts, hasher=hasher, mailer=mailer, clock=lambda: NOW
    )
    late = NOW + timedelta(minutes=11)
    assert (
        await verify_sign_in_code(
            "a@example.org", code, accounts=accounts, hasher=hasher, clock=lambda: late
        )
        is None
    )
    code = await request_sign_in_code(
        "a@example.org", accounts=accounts, hasher=hasher, mailer=mailer, clock=lambda: NOW
    )
    for _ in range(MAX_CODE_ATTEMPTS):
        wrong = "000000" if code != "000000" else "111111"
        assert (
            await verify_sign_in_code(
                "a@example.org", wrong, accounts=accounts, hasher=hasher, clock=lambda: NOW
            )
            is None
        )
    assert (
        await verify_sign_in_code(
            "a@example.org", code, accounts=accounts, hasher=hasher, clock=lambda: NOW
        )
        is None
    )


async def test_staff_sign_in_checks_the_password_and_seeding_is_idempotent() -> None:
    accounts, hasher = MemoryAccounts(), Argon2Hasher()
    assert await seed_demo_accounts(accounts=accounts, hasher=hasher) == 7
    assert await seed_demo_accounts(accounts=accounts, hasher=hasher) == 0
    ok = await sign_in_staff("m-anne-durand", DEMO_PASSWORD, accounts=accounts, hasher=hasher)
    assert ok is not None
    assert ok.role is Role.MANAGER
    assert ok.region == "bretagne"
    assert await sign_in_staff("m-anne-durand", "nope", accounts=accounts, hasher=hasher) is None
    assert await sign_in_staff("nobody", DEMO_PASSWORD, accounts=accounts, hasher=hasher) is None


async def test_the_last_allowed_try_may_be_right_and_a_new_code_starts_afresh() -> None:
    accounts, mailer, hasher = MemoryAccounts(), SentBox(), Argon2Hasher()

    async def attempt(code: str, at: datetime = NOW) -> BeneficiaryAccount | None:
        return await verify_sign_in_code(
            "b@example.org", code, accounts=accounts, hasher=hasher, clock=lambda: at
        )

    code = await request_sign_in_code(
        "b@example.org", accounts=accounts, hasher=hasher, mailer=mailer, clock=lambda: NOW
    )
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(MAX_CODE_ATTEMPTS - 1):
        assert await attempt(wrong) is None
    assert await attempt(code) is not None
    code = await request_sign_in_code(
        "b@example.org", accounts=accounts, hasher=hasher, mailer=mailer, clock=lambda: NOW
    )
    assert accounts.codes["b@example.org"].attempts == 0
    assert await attempt(code, NOW + timedelta(minutes=10)) is None

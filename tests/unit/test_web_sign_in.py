"""Sign-in rules of the web front: codes, passwords, rate limits, seeding, forgetting."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from jalon_dev.demo import DEMO_BENEFICIARY_EMAIL, DEMO_BENEFICIARY_ID, DEMO_PASSWORD, DEMO_STAFF
from jalon_shared.access import Principal, Role
from tests.unit.web_fakes import (
    NOW,
    MemoryAccounts,
    MemoryLimiter,
    MemoryRevocations,
    PlainHasher,
    SentBox,
    limits,
)
from web.adapters.security import Argon2Hasher
from web.application.errors import MailNotSentError
from web.application.forget_beneficiary import forget_beneficiary
from web.application.request_sign_in_code import request_sign_in_code
from web.application.seed_accounts import seed_accounts
from web.application.sign_in_staff import sign_in_staff
from web.application.sign_out import sign_out
from web.application.verify_sign_in_code import verify_sign_in_code
from web.domain.accounts import MAX_CODE_ATTEMPTS, BeneficiaryAccount, looks_like_email
from web.domain.rate_limits import Limit, TooManyAttemptsError, window_of


class Box:
    """The stores and mailer of one test."""

    def __init__(self) -> None:
        self.accounts = MemoryAccounts()
        self.mailer = SentBox()
        self.limiter = MemoryLimiter()
        self.hasher = Argon2Hasher()

    async def ask(self, email: str, address: str = "203.0.113.7") -> str:
        await request_sign_in_code(
            email,
            address=address,
            accounts=self.accounts,
            hasher=self.hasher,
            mailer=self.mailer,
            limiter=self.limiter,
            limits=limits(),
            clock=lambda: NOW,
        )
        return self.mailer.sent[-1][1]

    async def verify(
        self, email: str, code: str, after: timedelta = timedelta()
    ) -> BeneficiaryAccount | None:
        return await verify_sign_in_code(
            email, code, accounts=self.accounts, hasher=self.hasher, clock=lambda: NOW + after
        )


async def test_a_code_signs_in_once_is_stored_hashed_and_makes_the_account_then() -> None:
    box = Box()
    code = await box.ask(" Lea@Example.org")
    assert box.mailer.sent == [("lea@example.org", code)]
    assert code not in box.accounts.codes["lea@example.org"].code_hash
    assert box.accounts.beneficiaries == {}  # no account before the code is proven
    account = await box.verify("lea@example.org", code)
    assert account is not None
    assert box.accounts.beneficiaries["lea@example.org"] == account
    assert await box.verify("lea@example.org", code) is None
    again = await box.verify("lea@example.org", await box.ask("lea@example.org"))
    assert again == account  # the same person keeps the same id


async def test_codes_expire_and_lock_after_too_many_wrong_tries() -> None:
    box = Box()
    code = await box.ask("a@example.org")
    assert await box.verify("a@example.org", code, after=timedelta(minutes=11)) is None
    code = await box.ask("a@example.org")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(MAX_CODE_ATTEMPTS):
        assert await box.verify("a@example.org", wrong) is None
    assert await box.verify("a@example.org", code) is None


async def test_the_last_allowed_try_may_be_right_and_a_new_code_starts_afresh() -> None:
    box = Box()
    code = await box.ask("b@example.org")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(MAX_CODE_ATTEMPTS - 1):
        assert await box.verify("b@example.org", wrong) is None
    assert await box.verify("b@example.org", code) is not None
    code = await box.ask("b@example.org")
    assert box.accounts.codes["b@example.org"].attempts == 0
    assert await box.verify("b@example.org", code, after=timedelta(minutes=10)) is None


async def test_a_code_that_could_not_be_sent_is_dropped_and_the_failure_raised() -> None:
    box = Box()
    box.mailer.down = True
    with pytest.raises(MailNotSentError):
        await box.ask("c@example.org")
    assert box.accounts.codes == {}


async def test_code_requests_are_limited_per_email_and_per_address() -> None:
    box = Box()
    for _ in range(5):
        await box.ask("d@example.org")
    with pytest.raises(TooManyAttemptsError) as refused:
        await box.ask("d@example.org")
    assert timedelta(0) < refused.value.retry_after <= timedelta(minutes=15)
    assert len(box.mailer.sent) == 5
    # One address may ask for other emails up to its own limit of 20.
    for n in range(20):
        await box.ask(f"e{n}@example.org", address="198.51.100.1")
    with pytest.raises(TooManyAttemptsError):
        await box.ask("fresh@example.org", address="198.51.100.1")


async def staff_try(
    accounts: MemoryAccounts,
    limiter: MemoryLimiter,
    account_id: str,
    password: str,
    *,
    role: Role = Role.MANAGER,
    address: str = "203.0.113.9",
) -> object:
    return await sign_in_staff(
        account_id,
        password,
        role,
        address=address,
        accounts=accounts,
        hasher=PlainHasher(),
        limiter=limiter,
        limits=limits(),
        clock=lambda: NOW,
    )


async def test_staff_passwords_are_limited_per_account_and_a_success_costs_nothing() -> None:
    accounts, limiter = MemoryAccounts(), MemoryLimiter()
    await seed_accounts(DEMO_STAFF, [], DEMO_PASSWORD, accounts=accounts, hasher=PlainHasher())
    for _ in range(10):
        assert await staff_try(accounts, limiter, "m-anne-durand", DEMO_PASSWORD) is not None
    for _ in range(5):
        assert await staff_try(accounts, limiter, "m-anne-durand", "nope") is None
    with pytest.raises(TooManyAttemptsError):
        # Even the right password waits: the account is being guessed.
        await staff_try(accounts, limiter, "m-anne-durand", DEMO_PASSWORD)
    assert await staff_try(accounts, limiter, "m-paul-morel", DEMO_PASSWORD) is not None
    assert (
        await staff_try(accounts, limiter, "c-hugo-leroy", DEMO_PASSWORD, role=Role.MANAGER) is None
    )


async def test_staff_passwords_are_limited_per_address_across_accounts() -> None:
    accounts, limiter = MemoryAccounts(), MemoryLimiter()
    for n in range(20):
        assert await staff_try(accounts, limiter, f"guess-{n}", "x") is None
    with pytest.raises(TooManyAttemptsError):
        await staff_try(accounts, limiter, "guess-x", "x")
    assert await staff_try(accounts, limiter, "guess-y", "x", address="192.0.2.1") is None


def test_windows_are_fixed_hashed_and_end_on_time() -> None:
    limit = Limit("password-account", 5, timedelta(minutes=15))
    window = window_of(limit, "m-anne-durand", NOW)
    assert "m-anne-durand" not in window.bucket
    assert window.bucket.startswith("password-account:")
    assert window.ends_at > NOW
    assert window.ends_at - NOW <= timedelta(minutes=15)
    assert window_of(limit, "m-anne-durand", NOW + timedelta(seconds=1)) == window
    assert window_of(limit, "other", NOW).bucket != window.bucket


async def test_seeding_takes_the_demo_data_given_and_is_idempotent() -> None:
    accounts = MemoryAccounts()
    lea = BeneficiaryAccount(email=DEMO_BENEFICIARY_EMAIL, beneficiary_id=DEMO_BENEFICIARY_ID)
    hasher = PlainHasher()
    created = await seed_accounts(
        DEMO_STAFF, [lea], DEMO_PASSWORD, accounts=accounts, hasher=hasher
    )
    assert created == len(DEMO_STAFF) + 1
    assert (
        await seed_accounts(DEMO_STAFF, [lea], DEMO_PASSWORD, accounts=accounts, hasher=hasher) == 0
    )
    anne = accounts.staff_accounts["m-anne-durand"]
    assert (anne.display_name, anne.role, anne.region) == ("Anne Durand", Role.MANAGER, "bretagne")
    assert accounts.beneficiaries[DEMO_BENEFICIARY_EMAIL] == lea


async def test_forgetting_a_beneficiary_drops_account_code_and_sessions_idempotently() -> None:
    box, revocations = Box(), MemoryRevocations()
    code = await box.ask("f@example.org")
    account = await box.verify("f@example.org", code)
    assert account is not None
    await box.ask("f@example.org")
    forgot = await forget_beneficiary(
        account.beneficiary_id, accounts=box.accounts, revocations=revocations, clock=lambda: NOW
    )
    assert forgot is True
    assert box.accounts.beneficiaries == {}
    assert box.accounts.codes == {}
    assert await revocations.is_revoked("any-token", str(account.beneficiary_id))
    assert revocations.revoked[f"sub:{account.beneficiary_id}"] > NOW + timedelta(minutes=15)
    again = await forget_beneficiary(
        account.beneficiary_id, accounts=box.accounts, revocations=revocations, clock=lambda: NOW
    )
    assert again is False


async def test_signing_out_revokes_the_token_by_its_id_only() -> None:
    revocations = MemoryRevocations()
    principal = Principal(sub=str(uuid4()), role=Role.BENEFICIARY, jti="abc")
    await sign_out(principal, revocations=revocations, clock=lambda: NOW)
    assert await revocations.is_revoked("abc", "someone-else")
    assert not await revocations.is_revoked("def", "someone-else")


def test_what_looks_like_an_email() -> None:
    assert looks_like_email("lea@example.org")
    for bad in ("", "lea", "lea@", "@example.org", "lea@example", "lé a@example.org"):
        assert not looks_like_email(bad), bad

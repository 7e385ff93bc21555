"""Use case: create the accounts an operator (or `make run`) provides, once (idempotent)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from jalon_shared.access import Role
from web.application.ports import AccountStore, Hasher
from web.domain.accounts import BeneficiaryAccount, StaffAccount


class StaffSeed(Protocol):
    """A staff member to create an account for."""

    @property
    def account_id(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def role(self) -> Role: ...
    @property
    def region(self) -> str: ...
    @property
    def site(self) -> str | None: ...


async def seed_accounts(
    staff: Iterable[StaffSeed],
    beneficiaries: Iterable[BeneficiaryAccount],
    password: str,
    *,
    accounts: AccountStore,
    hasher: Hasher,
) -> int:
    """Create the missing accounts, staff with the given password; return how many."""
    created = 0
    for member in staff:
        if await accounts.staff(member.account_id) is None:
            await accounts.save_staff(
                StaffAccount(
                    account_id=member.account_id,
                    display_name=member.display_name,
                    role=member.role,
                    region=member.region,
                    site=member.site,
                    password_hash=hasher.hash(password),
                )
            )
            created += 1
    for beneficiary in beneficiaries:
        if await accounts.beneficiary(beneficiary.email) is None:
            await accounts.save_beneficiary(beneficiary)
            created += 1
    return created

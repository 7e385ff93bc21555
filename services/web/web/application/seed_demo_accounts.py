"""Use case: create the demo accounts `make run` prints (idempotent)."""

from __future__ import annotations

from uuid import UUID

from jalon_shared.access import Role
from web.application.ports import AccountStore, Hasher
from web.domain.accounts import BeneficiaryAccount, StaffAccount

DEMO_PASSWORD = "jalon-demo"  # noqa: S105 - a published demo credential, dev only
DEMO_STAFF = [
    ("c-camille-bernard", Role.COUNSELLOR, "bretagne", "rennes"),
    ("c-louise-martin", Role.COUNSELLOR, "bretagne", "rennes"),
    ("c-yann-le-goff", Role.COUNSELLOR, "bretagne", "brest"),
    ("c-hugo-leroy", Role.COUNSELLOR, "normandie", "caen"),
    ("m-anne-durand", Role.MANAGER, "bretagne", None),
    ("m-paul-morel", Role.MANAGER, "normandie", None),
]
DEMO_BENEFICIARY = BeneficiaryAccount(
    email="lea.petit@example.org", beneficiary_id=UUID("7b0a4a63-8f5c-4a43-9a51-2f4c1b0f1e01")
)


async def seed_demo_accounts(*, accounts: AccountStore, hasher: Hasher) -> int:
    """Create the missing demo accounts; return how many were created."""
    created = 0
    for account_id, role, region, site in DEMO_STAFF:
        if await accounts.staff(account_id) is None:
            await accounts.save_staff(
                StaffAccount(
                    account_id=account_id,
                    role=role,
                    region=region,
                    site=site,
                    password_hash=hasher.hash(DEMO_PASSWORD),
                )
            )
            created += 1
    if await accounts.beneficiary(DEMO_BENEFICIARY.email) is None:
        await accounts.save_beneficiary(DEMO_BENEFICIARY)
        created += 1
    return created

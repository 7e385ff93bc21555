"""Use case: a beneficiary was erased; their sign-in account, codes and sessions go too."""

from __future__ import annotations

from uuid import UUID

from web.application.ports import AccountStore, Clock, Revocations
from web.domain.sessions import REVOCATION_MARGIN, SESSION_TTL


async def forget_beneficiary(
    beneficiary_id: UUID, *, accounts: AccountStore, revocations: Revocations, clock: Clock
) -> bool:
    """Delete the account and its pending code, refuse its sessions; return whether one existed."""
    # Sessions are refused even when the account is already gone: a replay changes nothing.
    await revocations.revoke_subject(str(beneficiary_id), clock() + SESSION_TTL + REVOCATION_MARGIN)
    account = await accounts.beneficiary_by_id(beneficiary_id)
    if account is None:
        return False
    await accounts.delete_code(account.email)
    await accounts.delete_beneficiary(account.email)
    return True

"""Use case: a beneficiary erases their data, here and (by intake's event) everywhere."""

from __future__ import annotations

from web.application.errors import ApiError
from web.application.forget_beneficiary import forget_beneficiary
from web.application.ports import AccountStore, Clock, IntakeApi, Revocations
from web.domain.sessions import Session


async def erase_own_data(
    session: Session,
    *,
    intake: IntakeApi,
    accounts: AccountStore,
    revocations: Revocations,
    clock: Clock,
) -> None:
    """Ask intake to erase, then forget the sign-in account at once (the event will repeat it)."""
    beneficiary_id = session.principal.beneficiary_id()
    if beneficiary_id is None:
        raise ValueError("not a beneficiary session")
    try:
        await intake.erase_own_data(session.token)
    except ApiError as exc:
        # Intake knows nobody before a first request: only the sign-in account is left.
        if exc.status != 404:
            raise
    await forget_beneficiary(
        beneficiary_id, accounts=accounts, revocations=revocations, clock=clock
    )

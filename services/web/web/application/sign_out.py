"""Use case: a person signs out; their token is refused until it would have expired."""

from __future__ import annotations

from jalon_shared.access import Principal
from web.application.ports import Clock, Revocations
from web.domain.sessions import REVOCATION_MARGIN, SESSION_TTL


async def sign_out(principal: Principal, *, revocations: Revocations, clock: Clock) -> None:
    """Revoke the session's token by its id."""
    if principal.jti:
        await revocations.revoke_token(principal.jti, clock() + SESSION_TTL + REVOCATION_MARGIN)

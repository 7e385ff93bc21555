"""Use case: a beneficiary downloads everything intake holds about them (GDPR access)."""

from __future__ import annotations

from typing import Any

from web.application.ports import IntakeApi
from web.domain.sessions import Session


async def export_own_data(session: Session, *, intake: IntakeApi) -> dict[str, Any]:
    """Return intake's export of the signed-in beneficiary; raises ApiError (404: nothing held)."""
    return await intake.export_own_data(session.token)

"""Use case: the beneficiary's case that appointments are booked for (their latest open one)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import structlog

from jalon_shared.events.vocabulary import CaseStatus
from web.application.errors import ApiError
from web.application.ports import IntakeApi
from web.domain.sessions import Session

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class OwnCase:
    """The case, and its counsellor when one is assigned."""

    case_id: UUID
    #: None when intake could not say (the appointment service will, when booking).
    assigned: bool | None = None
    counsellor_name: str | None = None

    @property
    def has_counsellor(self) -> bool:
        """Return whether someone may be met (unknown counts as yes: the service decides)."""
        return self.assigned is not False


async def find_own_case(session: Session, *, intake: IntakeApi) -> OwnCase | None:
    """Return the latest case that is not closed, or None; raises ApiError when intake fails."""
    own = await intake.own_data(session.token)
    if own is None:
        return None
    open_cases = sorted(
        (c for c in own.cases if c.status is not CaseStatus.CLOSED),
        key=lambda c: c.opened_at,
        reverse=True,
    )
    if not open_cases:
        return None
    case_id = open_cases[0].case_id
    try:
        case = await intake.case(session.token, case_id)
    except ApiError as exc:
        # The appointment service knows the counsellor too: booking still works without a name.
        log.warning("case details unavailable", status=exc.status)
        return OwnCase(case_id=case_id)
    return OwnCase(
        case_id=case_id,
        assigned=case.counsellor_id is not None,
        counsellor_name=case.counsellor_name,
    )

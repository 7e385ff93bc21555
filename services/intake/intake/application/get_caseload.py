"""Use case: a counsellor reads their own caseload, filtered and sorted, with alerts."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from intake.application.ports import CaseloadQuery, Clock, IntakeQueries
from intake.domain.alerts import Alert, alerts_for
from jalon_shared.events.vocabulary import CaseStatus, ServiceLevel


class CaseloadItem(BaseModel):
    """One line of a counsellor's caseload."""

    case_id: UUID
    beneficiary_id: UUID
    beneficiary_name: str | None
    status: CaseStatus
    service_level: ServiceLevel
    site: str
    opened_at: datetime
    last_contact_at: datetime | None
    next_appointment_at: datetime | None
    pending_signature: bool
    alerts: list[Alert]


async def get_caseload(
    counsellor_id: str, query: CaseloadQuery, *, queries: IntakeQueries, clock: Clock
) -> list[CaseloadItem]:
    """Return one page of the counsellor's cases."""
    now = clock()
    cases = await queries.caseload(counsellor_id, query, now)
    names = await queries.beneficiary_names([case.beneficiary_id for case in cases])
    return [
        CaseloadItem(
            case_id=case.case_id,
            beneficiary_id=case.beneficiary_id,
            beneficiary_name=names.get(case.beneficiary_id),
            status=case.status,
            service_level=case.service_level,
            site=case.site,
            opened_at=case.opened_at,
            last_contact_at=case.last_contact_at,
            next_appointment_at=case.next_appointment_at,
            pending_signature=case.pending_signature,
            alerts=alerts_for(
                case,
                now,
                no_contact_days=query.no_contact_days,
                first_contact_days=query.first_contact_days,
            ),
        )
        for case in cases
    ]

"""Use case: a counsellor reads their own caseload, filtered and sorted, with alerts."""

from __future__ import annotations

from dataclasses import dataclass

from intake.application.ports import CaseloadQuery, Clock, IntakeQueries
from intake.domain.alerts import alerts_for
from intake.domain.model import Case
from jalon_shared.events.vocabulary import CaseAlert


@dataclass(frozen=True, slots=True)
class CaseloadLine:
    """One line of a counsellor's caseload."""

    case: Case
    beneficiary_name: str | None
    site_label: str | None
    alerts: list[CaseAlert]
    pending_duplicates: int


async def get_caseload(
    counsellor_id: str, query: CaseloadQuery, *, queries: IntakeQueries, clock: Clock
) -> list[CaseloadLine]:
    """Return one page of the counsellor's cases, with one batched lookup per extra column."""
    now = clock()
    cases = await queries.caseload(counsellor_id, query, now)
    if not cases:
        return []
    names = await queries.beneficiary_names([case.beneficiary_id for case in cases])
    regions = await queries.regions({case.region for case in cases})
    pending = await queries.pending_duplicate_counts([case.case_id for case in cases])
    lines: list[CaseloadLine] = []
    for case in cases:
        region = regions.get(case.region)
        lines.append(
            CaseloadLine(
                case=case,
                beneficiary_name=names.get(case.beneficiary_id),
                site_label=region.site_label(case.site) if region is not None else None,
                alerts=alerts_for(
                    case,
                    now,
                    no_contact_days=query.no_contact_days,
                    first_contact_days=query.first_contact_days,
                ),
                pending_duplicates=pending.get(case.case_id, 0),
            )
        )
    return lines

"""Caseload alerts: silent cases and new requests not contacted in time."""

from __future__ import annotations

from datetime import datetime, timedelta

from intake.domain.model import Case
from jalon_shared.events.vocabulary import CaseAlert, CaseStatus


def is_working_day(moment: datetime) -> bool:
    """Return whether the day is Monday to Friday."""
    return moment.weekday() < 5


def subtract_working_days(moment: datetime, days: int) -> datetime:
    """Return the moment that lies the given number of working days before."""
    result = moment
    remaining = days
    while remaining > 0:
        result -= timedelta(days=1)
        if is_working_day(result):
            remaining -= 1
    return result


def no_contact_cutoff(now: datetime, days: int) -> datetime:
    """Return the last-contact time before which an open case is silent."""
    return now - timedelta(days=days)


def alerts_for(
    case: Case, now: datetime, *, no_contact_days: int, first_contact_days: int
) -> list[CaseAlert]:
    """Return the alerts a case raises now."""
    if case.status is CaseStatus.CLOSED:
        return []
    alerts: list[CaseAlert] = []
    if case.last_contact_at is None:
        if case.opened_at < subtract_working_days(now, first_contact_days):
            alerts.append(CaseAlert.NOT_CONTACTED)
        else:
            alerts.append(CaseAlert.AWAITING_FIRST_CONTACT)
        if case.opened_at < no_contact_cutoff(now, no_contact_days):
            alerts.append(CaseAlert.NO_CONTACT)
    elif case.last_contact_at < no_contact_cutoff(now, no_contact_days):
        alerts.append(CaseAlert.NO_CONTACT)
    return alerts

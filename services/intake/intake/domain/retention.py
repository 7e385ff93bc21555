"""How long intake keeps each kind of record (GDPR: every collection has a retention period)."""

from __future__ import annotations

from datetime import timedelta

from jalon_shared.retention import CLOSED_CASE_RETENTION

__all__ = ["CLOSED_CASE_RETENTION", "DUPLICATE_REQUEST_RETENTION", "RETENTION_BY_COLLECTION"]

#: A request flagged as a duplicate is only kept for the counsellor to review.
DUPLICATE_REQUEST_RETENTION = timedelta(days=90)

RETENTION_BY_COLLECTION: dict[str, str] = {
    "beneficiaries": "2 years after their last case closed",
    "requests": "2 years after their case closed; 90 days if flagged as a duplicate",
    "cases": "2 years after closing",
    "counsellors": "while employed (staff directory)",
    "outbox": "30 days after publication",
    "processed_events": "30 days",
    "dead_letters": "until handled by an operator",
}

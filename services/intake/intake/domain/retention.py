"""How long intake keeps each kind of record (GDPR: every collection has a retention period)."""

from __future__ import annotations

from datetime import timedelta

#: A closed case, its requests and (once they have no open case) the beneficiary are purged
#: after this; long enough for +6-month follow-up and the operator's yearly reporting.
CLOSED_CASE_RETENTION = timedelta(days=2 * 365)
#: A request flagged as a duplicate is only kept for the counsellor to review.
DUPLICATE_REQUEST_RETENTION = timedelta(days=90)
#: Published outbox records (the durable log) and processed-event markers.
OUTBOX_RETENTION = timedelta(days=30)

RETENTION_BY_COLLECTION: dict[str, str] = {
    "beneficiaries": "2 years after their last case closed",
    "requests": "2 years after their case closed; 90 days if flagged as a duplicate",
    "cases": "2 years after closing",
    "counsellors": "while employed (staff directory)",
    "outbox": "30 days after publication",
    "processed_events": "30 days",
    "dead_letters": "until handled by an operator",
}

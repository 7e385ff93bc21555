"""How long intake keeps each kind of record (GDPR: every collection has a retention period)."""

from __future__ import annotations

from datetime import timedelta

from jalon_shared.retention import CLOSED_CASE_RETENTION

__all__ = ["CLOSED_CASE_RETENTION", "DUPLICATE_REQUEST_RETENTION", "RETENTION_BY_COLLECTION"]

#: A request flagged as a duplicate is only kept for the counsellor to review.
DUPLICATE_REQUEST_RETENTION = timedelta(days=90)

RETENTION_BY_COLLECTION: dict[str, str] = {
    "beneficiaries": (
        "2 years after their last case closed; details staff typed for a request awaiting "
        "duplicate review (a provisional record) 90 days, or until the review"
    ),
    "requests": "2 years after their case closed; 90 days while flagged as a possible duplicate",
    "cases": (
        "2 years after closing; an erased person's cases stay as anonymous stubs under new ids, "
        "with no request and no link to the person"
    ),
    "surveys": (
        "60 days after being offered, answered or not (a follow-up waits about six months to be "
        "offered); only whether and on which day it was answered, never the answers, which "
        "leave in an anonymous event with no id of the person, case or survey"
    ),
    "regions": "reference data, kept while in use",
    "counsellors": "while employed (staff directory)",
    "outbox": (
        "30 days after publication (the relay's retention): the published events, holding ids "
        "and categories only (request, case, beneficiary and counsellor ids, region, site, CSP, "
        "levels, dates), never names, contact details or free text; until they expire they "
        "pair an erased person's id with their former case and request ids, never with the "
        "stubs, which carry new ids"
    ),
    "processed_events": "30 days",
    "dead_letters": "until handled by an operator",
}

"""Retention periods more than one service applies (GDPR: every collection has one)."""

from __future__ import annotations

from datetime import timedelta

#: A closed case, its requests and idle beneficiary are purged after this; long enough for the
#: +6-month follow-up and the operator's yearly reporting. Copies of a case follow the same clock.
CLOSED_CASE_RETENTION = timedelta(days=2 * 365)

"""Phone calls a counsellor placed outside the system, logged with their times and outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from jalon_shared.events.vocabulary import CallOutcome

#: No call the log takes lasts longer: a longer one is a typing mistake.
MAX_CALL_LENGTH = timedelta(hours=4)


class CallError(ValueError):
    """A logged call the rules refuse, naming the field and a reason code."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Call:
    """One call of a case's log."""

    call_id: UUID
    case_id: UUID
    beneficiary_id: UUID
    counsellor_id: str
    started_at: datetime
    ended_at: datetime
    outcome: CallOutcome
    logged_at: datetime
    appointment_id: UUID | None = None

    @classmethod
    def log(
        cls,
        *,
        call_id: UUID,
        case_id: UUID,
        beneficiary_id: UUID,
        counsellor_id: str,
        started_at: datetime,
        ended_at: datetime,
        outcome: CallOutcome,
        appointment_id: UUID | None,
        now: datetime,
    ) -> Call:
        """Return a call, refusing one that ends before it starts, in the future, or too long."""
        if ended_at < started_at:
            raise CallError("ended_at", "before_start", "the call ends before it starts")
        if ended_at > now:
            raise CallError("ended_at", "in_the_future", "the call cannot end in the future")
        if ended_at - started_at > MAX_CALL_LENGTH:
            raise CallError("ended_at", "too_long", "a call lasts at most 4 hours")
        return cls(
            call_id=call_id,
            case_id=case_id,
            beneficiary_id=beneficiary_id,
            counsellor_id=counsellor_id,
            started_at=started_at,
            ended_at=ended_at,
            outcome=outcome,
            logged_at=now,
            appointment_id=appointment_id,
        )

    @property
    def duration_seconds(self) -> float:
        """Return how long the call lasted."""
        return (self.ended_at - self.started_at).total_seconds()

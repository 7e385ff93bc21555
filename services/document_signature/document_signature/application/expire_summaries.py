"""Use case (background sweep): close summaries past their window, remind three days before."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import structlog

from document_signature.application import events
from document_signature.application.chain import SYSTEM, record
from document_signature.application.ports import (
    Mailer,
    MailError,
    People,
    PeopleUnavailableError,
    SignatureQueries,
    SignatureTransaction,
    UnitOfWork,
)
from document_signature.domain.evidence import EvidenceStep
from document_signature.domain.summary import (
    REMINDER_BEFORE,
    Summary,
)
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import SummaryStatus

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Sweep:
    """What one sweep did."""

    expired: int = 0
    reminded: int = 0


async def _expire(uow: UnitOfWork, summary: Summary, now: datetime, meta: EventMeta) -> bool:
    async def work(tx: SignatureTransaction) -> bool:
        current = await tx.summary(summary.document_id)
        # Signed, declined or erased since the read: nothing to close.
        if current is None or current.status is not SummaryStatus.SUBMITTED:
            return False
        if not current.past_expiry(now):
            return False
        closed = current.expired(now)
        await tx.save_summary(closed)
        await tx.drop_challenge(closed.document_id)
        await record(
            tx,
            document_id=closed.document_id,
            beneficiary_id=closed.beneficiary_id,
            step=EvidenceStep.EXPIRED,
            actor=SYSTEM,
            now=now,
            details={"version": str(closed.version)},
        )
        tx.publish(events.expired(closed, meta))
        return True

    return await uow.run(work)


async def _remind(
    uow: UnitOfWork, people: People, mailer: Mailer, summary: Summary, now: datetime
) -> bool:
    async def claim(tx: SignatureTransaction) -> Summary | None:
        current = await tx.summary(summary.document_id)
        if current is None or not current.due_for_reminder(now):
            return None
        # Claimed before the send, so two sweepers (replicas) never remind twice.
        await tx.save_summary(current.reminded(now))
        return current

    claimed = await uow.run(claim)
    if claimed is None or claimed.expires_at is None:
        return False
    try:
        email = await people.email(claimed.beneficiary_id)
        if email is None:
            return False
        await mailer.send_reminder(
            email, reference=claimed.reference, expires_at=claimed.expires_at
        )
    except (PeopleUnavailableError, MailError):
        log.warning("signature reminder not sent")

        async def release(tx: SignatureTransaction) -> None:
            current = await tx.summary(summary.document_id)
            if current is not None and current.reminded_at is not None:
                await tx.save_summary(replace(current, reminded_at=None))

        # Released, so the next sweep tries again while the reminder is still due.
        await uow.run(release)
        return False
    return True


async def expire_summaries(
    uow: UnitOfWork,
    queries: SignatureQueries,
    people: People,
    mailer: Mailer,
    *,
    now: datetime,
    meta: EventMeta,
    batch: int = 200,
) -> Sweep:
    """Expire the summaries past their window and remind those closing within three days."""
    expired = reminded = 0
    for summary in await queries.submitted_until(now + REMINDER_BEFORE, limit=batch):
        if summary.past_expiry(now):
            expired += await _expire(uow, summary, now, meta)
        elif summary.due_for_reminder(now):
            reminded += await _remind(uow, people, mailer, summary, now)
    if expired or reminded:
        log.info("signature sweep", expired=expired, reminded=reminded)
    return Sweep(expired, reminded)

"""Use case: offer the next due follow-up survey and e-mail its link, once, surviving restarts.

The offer (the survey turning pending and its anonymous event) commits once in a transaction;
the e-mail is at least once: a sender that dies between sending and marking leaves its claim to
run out, and the next one sends again under the same Message-ID.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

import structlog
from structlog.typing import FilteringBoundLogger

from intake.application.follow_up_ports import (
    Claimed,
    FollowUpQueue,
    MailError,
    SurveyLinks,
    SurveyMailer,
)
from intake.application.ports import Clock, IntakeTransaction, UnitOfWork
from intake.application.survey_steps import survey_offered
from intake.domain.model import Beneficiary
from intake.domain.surveys import Survey, SurveyStatus

log = structlog.get_logger(__name__)

#: Longest wait between two attempts; six attempts then span a few hours of outage.
MAX_BACKOFF = timedelta(hours=3)


class Outcome(StrEnum):
    """What became of a claimed follow-up."""

    SENT = "sent"
    DROPPED = "dropped"
    RETRY = "retry"
    FAILED = "failed"
    #: Another sender took it over (this one's lease ran out mid-send).
    LOST = "lost"


def backoff(attempts: int) -> timedelta:
    """Return how long to wait after a failed attempt: 1, 4, 16, 64 minutes, then 3 hours."""
    return min(timedelta(minutes=4 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True, slots=True)
class FollowUpSending:
    """What sending follow-ups needs, built by the composition root."""

    queue: FollowUpQueue
    uow: UnitOfWork
    mailer: SurveyMailer
    links: SurveyLinks
    clock: Clock
    #: This sender's name on the leases it takes.
    owner: str
    #: How long a claim holds; far longer than a send may take, so two never overlap.
    lease: timedelta = timedelta(minutes=2)
    producer: str = "intake"


@dataclass(frozen=True, slots=True)
class Invitation:
    """What the e-mail needs: where to send it, the greeting and the survey its link opens."""

    email: str
    first_name: str
    survey_id: UUID
    beneficiary_id: UUID
    expires_at: datetime


def invitation_for(
    survey: Survey | None, person: Beneficiary | None, now: datetime
) -> Invitation | str:
    """Return the invitation to send, or why none is sent as a reason code."""
    if survey is None:
        return "gone"
    if survey.status is SurveyStatus.ANSWERED:
        # Answered from the person's space before the e-mail went: nothing left to ask.
        return "answered"
    if not survey.is_open(now) or survey.expires_at is None:
        return "expired"
    if person is None or person.provisional:
        return "no_contact"
    return Invitation(
        email=person.email,
        first_name=person.first_name,
        survey_id=survey.survey_id,
        beneficiary_id=survey.beneficiary_id,
        expires_at=survey.expires_at,
    )


async def send_next_follow_up(deps: FollowUpSending) -> Outcome | None:
    """Claim one due follow-up, offer it and send its invitation; None when none is due."""
    claimed = await deps.queue.claim(deps.clock(), deps.owner, deps.lease)
    if claimed is None:
        return None
    bound = log.bind(attempt=claimed.attempts)
    try:
        return await _send(deps, claimed, bound)
    except Exception as exc:
        # Storage unreachable, or a bug: the follow-up waits and is tried again.
        bound.warning("follow-up attempt failed", error_type=type(exc).__name__)
        return await _retry(deps, claimed, type(exc).__name__)


async def _send(deps: FollowUpSending, claimed: Claimed, bound: FilteringBoundLogger) -> Outcome:
    now = deps.clock()

    async def offer(tx: IntakeTransaction) -> tuple[Survey | None, Beneficiary | None]:
        survey = await tx.survey(claimed.survey_id)
        if survey is None:
            return None, None
        # A retried claim finds it offered already: the fact is published once.
        if survey.offer(now):
            await tx.save_survey(survey)
            tx.emit(survey_offered(survey, at=now, producer=deps.producer))
        return survey, await tx.beneficiary(survey.beneficiary_id)

    invitation = invitation_for(*await deps.uow.run(offer), now)
    if isinstance(invitation, str):
        await deps.queue.mark_dropped(claimed.survey_id, deps.owner, invitation)
        bound.info("follow-up dropped", reason=invitation)
        return Outcome.DROPPED
    url = deps.links.url(invitation.survey_id, invitation.beneficiary_id, invitation.expires_at)
    try:
        await deps.mailer.send_follow_up(
            to=invitation.email,
            first_name=invitation.first_name,
            url=url,
            key=str(invitation.survey_id),
        )
    except MailError:
        bound.warning("follow-up e-mail not handed over")
        return await _retry(deps, claimed, "mail_failed")
    if not await deps.queue.mark_sent(claimed.survey_id, deps.owner):
        bound.warning("follow-up lease lost while sending")
        return Outcome.LOST
    bound.info("follow-up sent")
    return Outcome.SENT


async def _retry(deps: FollowUpSending, claimed: Claimed, error: str) -> Outcome:
    at = deps.clock() + backoff(claimed.attempts)
    state = await deps.queue.retry_later(claimed.survey_id, deps.owner, at, error)
    if state == "failed":
        log.error("follow-up failed for good")
        return Outcome.FAILED
    return Outcome.RETRY

"""Use case: the beneficiary asks for a one-time code by e-mail to sign the summary."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import structlog

from document_signature.application.access import owns, reachable_summary
from document_signature.application.chain import record
from document_signature.application.errors import (
    ConflictError,
    NotFoundError,
    TooManyRequestsError,
    UnavailableError,
)
from document_signature.application.ports import (
    CaseDirectory,
    Mailer,
    MailError,
    People,
    PeopleUnavailableError,
    SignatureQueries,
    SignatureTransaction,
    UnitOfWork,
)
from document_signature.application.steps import conflict, load
from document_signature.domain.evidence import Actor, EvidenceStep
from document_signature.domain.otp import (
    CODE_DIGITS,
    SALT_BYTES,
    CodeChallenge,
    CodeError,
    format_code,
    issue,
    mask_email,
)
from document_signature.domain.summary import SummaryError
from jalon_shared.access import Principal

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class SentCode:
    """Where the code went (masked), until when it works, and how many more may be sent."""

    sent_to: str
    expires_at: datetime
    sends_left: int


async def send_signing_code(
    uow: UnitOfWork,
    queries: SignatureQueries,
    directory: CaseDirectory,
    people: People,
    mailer: Mailer,
    principal: Principal,
    document_id: UUID,
    *,
    actor: Actor,
    now: datetime,
    key: bytes,
) -> SentCode:
    """Issue a code, e-mail it, then log the send; a mail the server refused is not counted."""
    summary = await reachable_summary(queries, directory, principal, document_id)
    if not owns(principal, summary.beneficiary_id):
        raise NotFoundError("no such summary")
    try:
        summary.check_signable(now)
        email = await people.email(summary.beneficiary_id)
    except SummaryError as exc:
        raise conflict(exc) from exc
    except PeopleUnavailableError as exc:
        raise UnavailableError("your contact details cannot be read now") from exc
    if not email:
        raise ConflictError("no_email", "no e-mail address is held for you")
    code = format_code(secrets.randbelow(10**CODE_DIGITS))
    salt = secrets.token_bytes(SALT_BYTES)

    async def issue_code(tx: SignatureTransaction) -> tuple[CodeChallenge | None, CodeChallenge]:
        current = await load(tx, document_id)
        try:
            current.check_signable(now)
        except SummaryError as exc:
            raise conflict(exc) from exc
        previous = await tx.challenge(document_id)
        try:
            challenge = issue(
                previous,
                document_id=document_id,
                beneficiary_id=current.beneficiary_id,
                code=code,
                salt=salt,
                key=key,
                now=now,
            )
        except CodeError as exc:
            raise TooManyRequestsError(exc.reason, str(exc)) from exc
        await tx.save_challenge(challenge)
        return previous, challenge

    previous, challenge = await uow.run(issue_code)
    try:
        await mailer.send_code(email, code, expires_at=challenge.expires_at)
    except MailError as exc:
        log.warning("signing code not sent")

        async def restore(tx: SignatureTransaction) -> None:
            # The send is not counted: the code the person never got must not lock them out.
            if previous is None:
                await tx.drop_challenge(document_id)
            else:
                await tx.save_challenge(previous)

        await uow.run(restore)
        raise UnavailableError("the e-mail could not be sent; try again shortly") from exc
    sent_to = mask_email(email)

    async def log_send(tx: SignatureTransaction) -> None:
        await record(
            tx,
            document_id=document_id,
            beneficiary_id=summary.beneficiary_id,
            step=EvidenceStep.CODE_SENT,
            actor=actor,
            now=now,
            details={
                "sent_to": sent_to,
                "send": str(challenge.sends),
                "expires_at": challenge.expires_at.isoformat(),
            },
        )

    await uow.run(log_send)
    log.info("signing code sent", document_id=str(document_id), sends=challenge.sends)
    return SentCode(sent_to, challenge.expires_at, challenge.sends_left)

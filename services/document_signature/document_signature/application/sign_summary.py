"""Use case: the beneficiary signs the summary with the code they received by e-mail."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from document_signature.application.access import owns, reachable_summary
from document_signature.application.chain import record
from document_signature.application.errors import ConflictError, InvalidInputError, NotFoundError
from document_signature.application.ports import (
    SignatureQueries,
    SignatureTransaction,
    UnitOfWork,
)
from document_signature.application.sealing import SigningTools, require_sealer, seal_and_deliver
from document_signature.application.steps import conflict, load
from document_signature.domain.evidence import Actor, EvidenceStep
from document_signature.domain.otp import CodeError, check
from document_signature.domain.summary import (
    Summary,
    SummaryError,
)
from jalon_shared.access import Principal
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import SigningMethod


async def sign_summary(
    uow: UnitOfWork,
    queries: SignatureQueries,
    tools: SigningTools,
    principal: Principal,
    document_id: UUID,
    code: str,
    *,
    actor: Actor,
    now: datetime,
    key: bytes,
    meta: EventMeta,
) -> Summary:
    """Check the code (a wrong one spends an attempt, logged), then seal and deliver."""
    summary = await reachable_summary(queries, tools.directory, principal, document_id)
    if not owns(principal, summary.beneficiary_id):
        raise NotFoundError("no such summary")
    try:
        summary.check_signable(now)
    except SummaryError as exc:
        raise conflict(exc) from exc
    require_sealer(tools)

    async def verify(tx: SignatureTransaction) -> tuple[bool, int]:
        current = await load(tx, document_id)
        try:
            current.check_signable(now)
        except SummaryError as exc:
            raise conflict(exc) from exc
        try:
            checked, right = check(await tx.challenge(document_id), code, key=key, now=now)
        except CodeError as exc:
            raise ConflictError(exc.reason, str(exc), field="code") from exc
        await tx.save_challenge(checked)
        await record(
            tx,
            document_id=document_id,
            beneficiary_id=current.beneficiary_id,
            step=EvidenceStep.CODE_VERIFIED if right else EvidenceStep.CODE_FAILED,
            actor=actor,
            now=now,
            details={"attempts_left": str(checked.attempts_left)},
        )
        return right, checked.attempts_left

    # The attempt is committed before the answer, so a wrong code counts even if the caller
    # never reads the refusal.
    right, attempts_left = await uow.run(verify)
    if not right:
        raise InvalidInputError(
            "code", "wrong_code", f"wrong code: {attempts_left} attempt(s) left"
        )
    return await seal_and_deliver(
        uow,
        queries,
        tools,
        summary,
        method=SigningMethod.OTP_EMAIL,
        actor=actor,
        now=now,
        meta=meta,
        signed_details={
            "method": SigningMethod.OTP_EMAIL.value,
            "version": str(summary.version),
            "content_sha256": summary.current.content.digest(),
        },
    )

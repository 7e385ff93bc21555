"""Use case: the counsellor records that the beneficiary signed in their presence."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from document_signature.application.access import reachable_summary
from document_signature.application.chain import record
from document_signature.application.errors import InvalidInputError
from document_signature.application.ports import (
    SignatureQueries,
    SignatureTransaction,
    UnitOfWork,
)
from document_signature.application.sealing import SigningTools, require_sealer, seal_and_deliver
from document_signature.application.steps import conflict, load, require_role
from document_signature.domain.evidence import Actor, EvidenceStep
from document_signature.domain.summary import (
    Summary,
    SummaryError,
)
from jalon_shared.access import Principal, Role
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import SigningMethod


async def sign_in_person(
    uow: UnitOfWork,
    queries: SignatureQueries,
    tools: SigningTools,
    principal: Principal,
    document_id: UUID,
    *,
    identity_checked: bool,
    actor: Actor,
    now: datetime,
    meta: EventMeta,
) -> Summary:
    """Log the in-person signature and the identity check, then seal and deliver."""
    require_role(principal, Role.COUNSELLOR)
    summary = await reachable_summary(queries, tools.directory, principal, document_id)
    if not identity_checked:
        raise InvalidInputError(
            "identity_checked", "identity_not_checked", "check the person's identity first"
        )
    try:
        summary.check_signable(now)
    except SummaryError as exc:
        raise conflict(exc) from exc
    require_sealer(tools)

    async def attest(tx: SignatureTransaction) -> None:
        current = await load(tx, document_id)
        try:
            current.check_signable(now)
        except SummaryError as exc:
            raise conflict(exc) from exc
        await record(
            tx,
            document_id=document_id,
            beneficiary_id=current.beneficiary_id,
            step=EvidenceStep.SIGNED_IN_PERSON,
            actor=actor,
            now=now,
            details={
                "identity_checked": "true",
                "version": str(current.version),
                "content_sha256": current.current.content.digest(),
            },
        )

    # Logged first, so the completion page printed with the seal shows it.
    await uow.run(attest)
    return await seal_and_deliver(
        uow,
        queries,
        tools,
        summary,
        method=SigningMethod.IN_PERSON,
        actor=actor,
        now=now,
        meta=meta,
    )

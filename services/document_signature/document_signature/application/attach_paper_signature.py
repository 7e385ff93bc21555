"""Use case: the counsellor attaches the scan of a summary the beneficiary signed on paper."""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID, uuid4

from document_signature.application.access import reachable_summary
from document_signature.application.chain import record
from document_signature.application.errors import InvalidInputError, TooLargeError
from document_signature.application.ports import (
    SignatureQueries,
    SignatureTransaction,
    UnitOfWork,
)
from document_signature.application.sealing import SigningTools, require_sealer, seal_and_deliver
from document_signature.application.steps import conflict, load, require_role
from document_signature.domain.documents import (
    SCAN_MEDIA_TYPES,
    DocumentError,
    accepted_media_type,
)
from document_signature.domain.evidence import Actor, EvidenceStep
from document_signature.domain.summary import (
    Summary,
    SummaryError,
)
from jalon_shared.access import Principal, Role
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import SigningMethod

EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


async def attach_paper_signature(
    uow: UnitOfWork,
    queries: SignatureQueries,
    tools: SigningTools,
    principal: Principal,
    document_id: UUID,
    scan: bytes,
    *,
    actor: Actor,
    now: datetime,
    meta: EventMeta,
) -> Summary:
    """Keep the scan (PDF, PNG or JPEG by content) and log it, then seal and deliver."""
    require_role(principal, Role.COUNSELLOR)
    summary = await reachable_summary(queries, tools.directory, principal, document_id)
    try:
        media_type = accepted_media_type(scan, SCAN_MEDIA_TYPES, field="scan")
    except DocumentError as exc:
        if exc.reason == "too_large":
            raise TooLargeError(str(exc)) from exc
        raise InvalidInputError(exc.field, exc.reason, str(exc)) from exc
    try:
        summary.check_signable(now)
    except SummaryError as exc:
        raise conflict(exc) from exc
    require_sealer(tools)
    scan_id = uuid4()
    await tools.files.put(
        scan_id,
        scan,
        filename=f"{summary.reference}-papier.{EXTENSIONS[media_type]}",
        media_type=media_type,
        beneficiary_id=summary.beneficiary_id,
    )

    async def attach(tx: SignatureTransaction) -> None:
        current = await load(tx, document_id)
        try:
            current.check_signable(now)
        except SummaryError as exc:
            raise conflict(exc) from exc
        await record(
            tx,
            document_id=document_id,
            beneficiary_id=current.beneficiary_id,
            step=EvidenceStep.PAPER_ATTACHED,
            actor=actor,
            now=now,
            details={
                "scan_sha256": hashlib.sha256(scan).hexdigest(),
                "scan_media_type": media_type,
                "scan_file_id": str(scan_id),
                "version": str(current.version),
            },
        )

    try:
        await uow.run(attach)
    except BaseException:
        await tools.files.delete(scan_id)
        raise
    return await seal_and_deliver(
        uow,
        queries,
        tools,
        summary,
        method=SigningMethod.PAPER_SCAN,
        actor=actor,
        now=now,
        meta=meta,
    )

"""Signing's common end: render with the completion page, seal, file it, record it, announce it.

Rendering and sealing are CPU-bound and run in a worker thread; the sealed file goes to GridFS
before the transaction (GridFS takes no transactions) and is removed again if the transaction
refuses, so a summary is signed exactly when its sealed file is filed.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

import structlog

from document_signature.application import events
from document_signature.application.chain import SYSTEM, record
from document_signature.application.errors import NotFoundError, UnavailableError
from document_signature.application.ports import (
    CaseDirectory,
    FileStore,
    People,
    PeopleUnavailableError,
    Printable,
    Sealer,
    SignatureQueries,
    SignatureTransaction,
    SigningRecord,
    SummaryPdf,
    UnitOfWork,
)
from document_signature.application.steps import conflict, load
from document_signature.domain.documents import PDF, DocumentKind, StoredDocument
from document_signature.domain.evidence import Actor, EvidenceStep
from document_signature.domain.summary import (
    Summary,
    SummaryError,
)
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import SigningMethod

log = structlog.get_logger(__name__)

#: Printed when the directory copy does not know the counsellor (yet).
UNKNOWN_COUNSELLOR = "Votre conseiller Jalon"


@dataclass(frozen=True, slots=True)
class SigningTools:
    """What rendering, sealing and filing need."""

    pdf: SummaryPdf
    sealer: Sealer | None
    files: FileStore
    people: People
    directory: CaseDirectory
    #: The seal's location field.
    location: str = "France"


def sha256(content: bytes) -> str:
    """Return a file's sha256 in hex."""
    return hashlib.sha256(content).hexdigest()


def summary_title(summary: Summary) -> str:
    """Return the title of the sealed summary in the beneficiary's space."""
    return f"Synthèse de conseil {summary.reference}"


async def printable(tools: SigningTools, summary: Summary) -> Printable:
    """Return the summary with the beneficiary's name (from intake) and the counsellor's."""
    try:
        name = await tools.people.name(summary.beneficiary_id)
    except PeopleUnavailableError as exc:
        raise UnavailableError("the beneficiary's name cannot be read now") from exc
    if name is None:
        # Intake holds nobody under this id any more: the person was erased.
        raise NotFoundError("no such summary")
    counsellor = await tools.directory.counsellor_name(summary.counsellor_id)
    return Printable(summary, name, counsellor or UNKNOWN_COUNSELLOR)


def require_sealer(tools: SigningTools) -> Sealer:
    """Return the sealer, or refuse when no signing key is configured."""
    if tools.sealer is None:
        raise UnavailableError("signing is not configured on this server")
    return tools.sealer


async def seal_and_deliver(
    uow: UnitOfWork,
    queries: SignatureQueries,
    tools: SigningTools,
    summary: Summary,
    *,
    method: SigningMethod,
    actor: Actor,
    now: datetime,
    meta: EventMeta,
    signed_details: Mapping[str, str] | None = None,
) -> Summary:
    """Seal the summary signed by method, file it in the person's space and announce it.

    signed_details, when given, are recorded as the "signed" step (the e-mailed code's path);
    the in-person and paper paths recorded their own step before calling.
    """
    sealer = require_sealer(tools)
    page = await printable(tools, summary)
    records = tuple(await queries.evidence(summary.document_id))
    completion = SigningRecord(method, now, page.beneficiary_name, records)
    unsealed = await asyncio.to_thread(tools.pdf.render, page, completion)
    before = sha256(unsealed)
    sealed = await asyncio.to_thread(
        sealer.seal,
        unsealed,
        reason=f"Synthèse {summary.reference} signée par le bénéficiaire",
        location=tools.location,
    )
    after = sha256(sealed)
    file_id = uuid4()
    await tools.files.put(
        file_id,
        sealed,
        filename=f"{summary.reference}.pdf",
        media_type=PDF,
        beneficiary_id=summary.beneficiary_id,
    )

    async def work(tx: SignatureTransaction) -> Summary:
        current = await load(tx, summary.document_id)
        try:
            signed = current.signed(method, after, now)
        except SummaryError as exc:
            raise conflict(exc) from exc
        await tx.save_summary(signed)
        await tx.drop_challenge(signed.document_id)
        if signed_details is not None:
            await record(
                tx,
                document_id=signed.document_id,
                beneficiary_id=signed.beneficiary_id,
                step=EvidenceStep.SIGNED,
                actor=actor,
                now=now,
                details={**signed_details, "pdf_sha256": before},
            )
        await record(
            tx,
            document_id=signed.document_id,
            beneficiary_id=signed.beneficiary_id,
            step=EvidenceStep.SEALED,
            actor=SYSTEM,
            now=now,
            details={"sha256_before": before, "sha256_after": after, "method": method.value},
        )
        await tx.add_document(
            StoredDocument(
                document_id=signed.document_id,
                beneficiary_id=signed.beneficiary_id,
                kind=DocumentKind.SUMMARY,
                title=summary_title(signed),
                media_type=PDF,
                size=len(sealed),
                sha256=after,
                file_id=file_id,
                created_at=now,
                case_id=signed.case_id,
            )
        )
        await record(
            tx,
            document_id=signed.document_id,
            beneficiary_id=signed.beneficiary_id,
            step=EvidenceStep.DELIVERED,
            actor=SYSTEM,
            now=now,
            details={"file_sha256": after, "size": str(len(sealed))},
        )
        tx.publish(events.signed(signed, meta), events.delivered(signed, meta))
        return signed

    try:
        signed = await uow.run(work)
    except BaseException:
        # The transaction refused (signed meanwhile, erased): the sealed copy must not linger.
        await tools.files.delete(file_id)
        raise
    log.info("summary sealed and delivered", document_id=str(signed.document_id))
    return signed

"""Appending to a document's evidence chain inside a transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

from document_signature.application.ports import SignatureTransaction
from document_signature.domain.evidence import Actor, EvidenceRecord, EvidenceStep, next_record

#: The actor of the steps the service takes alone (expiry, delivery, the seal).
SYSTEM = Actor(role="system", actor_id="document_signature")


async def record(
    tx: SignatureTransaction,
    *,
    document_id: UUID,
    beneficiary_id: UUID,
    step: EvidenceStep,
    actor: Actor,
    now: datetime,
    details: Mapping[str, str] | None = None,
) -> EvidenceRecord:
    """Append one step to the document's chain, after the head read in this transaction."""
    head = await tx.evidence_head(document_id)
    written = next_record(
        head,
        document_id=document_id,
        beneficiary_id=beneficiary_id,
        step=step,
        actor=actor,
        at=now,
        details=details,
    )
    # Two writers after one head both insert the same seq: the second meets a write conflict
    # and its transaction is retried on the new head.
    await tx.add_evidence(written)
    return written

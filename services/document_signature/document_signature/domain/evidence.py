"""The evidence file of a document: every step, hash-chained so a change or removal shows.

Each record's hash is the sha256 of the canonical JSON of all its fields, the previous
record's hash included; verify_chain recomputes them and names the first record that does not
hold.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

#: The previous hash of a chain's first record.
GENESIS = "0" * 64
#: Longest client address and agent kept: enough to identify, never a whole header dump.
MAX_IP_CHARS = 64
MAX_AGENT_CHARS = 256


class EvidenceStep(StrEnum):
    """What happened to the document."""

    DRAFTED = "drafted"
    REVISED = "revised"
    COMMENTED = "commented"
    SUBMITTED = "submitted"
    CODE_SENT = "code_sent"
    CODE_FAILED = "code_failed"
    CODE_VERIFIED = "code_verified"
    SIGNED = "signed"
    SEALED = "sealed"
    DECLINED = "declined"
    EXPIRED = "expired"
    SIGNED_IN_PERSON = "signed_in_person"
    PAPER_ATTACHED = "paper_attached"
    DELIVERED = "delivered"
    SHARED = "shared"
    SHARE_OPENED = "share_opened"
    SHARE_REVOKED = "share_revoked"


#: The French labels of the steps, for the completion page.
STEP_LABELS: dict[EvidenceStep, str] = {
    EvidenceStep.DRAFTED: "Rédaction",
    EvidenceStep.REVISED: "Révision",
    EvidenceStep.COMMENTED: "Commentaire",
    EvidenceStep.SUBMITTED: "Envoi pour signature",
    EvidenceStep.CODE_SENT: "Code envoyé",
    EvidenceStep.CODE_FAILED: "Code erroné",
    EvidenceStep.CODE_VERIFIED: "Code vérifié",
    EvidenceStep.SIGNED: "Signature",
    EvidenceStep.SEALED: "Cachet électronique",
    EvidenceStep.DECLINED: "Refus de signer",
    EvidenceStep.EXPIRED: "Délai de signature dépassé",
    EvidenceStep.SIGNED_IN_PERSON: "Signature en présence du conseiller",
    EvidenceStep.PAPER_ATTACHED: "Signature papier jointe",
    EvidenceStep.DELIVERED: "Dépôt dans l'espace personnel",
    EvidenceStep.SHARED: "Partage",
    EvidenceStep.SHARE_OPENED: "Consultation du partage",
    EvidenceStep.SHARE_REVOKED: "Partage révoqué",
}


def evidence_time(at: datetime) -> datetime:
    """Return a time as the chain keeps it: UTC, to the millisecond (what MongoDB stores)."""
    utc = at.astimezone(UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acted, and from where as their own device reported it."""

    role: str
    actor_id: str
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    """One step of a document's evidence file."""

    document_id: UUID
    beneficiary_id: UUID
    seq: int
    step: EvidenceStep
    actor_role: str
    actor_id: str
    at: datetime
    ip: str | None
    user_agent: str | None
    details: Mapping[str, str] = field(default_factory=dict)
    prev_hash: str = GENESIS
    hash: str = ""

    def canonical(self) -> bytes:
        """Return the canonical JSON of every field but the hash itself."""
        body: dict[str, Any] = {
            "document_id": str(self.document_id),
            "beneficiary_id": str(self.beneficiary_id),
            "seq": self.seq,
            "step": self.step.value,
            "actor_role": self.actor_role,
            "actor_id": self.actor_id,
            "at": evidence_time(self.at).isoformat(timespec="milliseconds"),
            "ip": self.ip,
            "user_agent": self.user_agent,
            "details": dict(sorted(self.details.items())),
            "prev_hash": self.prev_hash,
        }
        return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

    def computed_hash(self) -> str:
        """Return the sha256 the record's fields give."""
        return hashlib.sha256(self.canonical()).hexdigest()


def next_record(
    previous: EvidenceRecord | None,
    *,
    document_id: UUID,
    beneficiary_id: UUID,
    step: EvidenceStep,
    actor: Actor,
    at: datetime,
    details: Mapping[str, str] | None = None,
) -> EvidenceRecord:
    """Return the record that follows previous (or starts the chain), with its hash."""
    draft = EvidenceRecord(
        document_id=document_id,
        beneficiary_id=beneficiary_id,
        seq=1 if previous is None else previous.seq + 1,
        step=step,
        actor_role=actor.role,
        actor_id=actor.actor_id,
        at=evidence_time(at),
        ip=actor.ip[:MAX_IP_CHARS] if actor.ip else None,
        user_agent=actor.user_agent[:MAX_AGENT_CHARS] if actor.user_agent else None,
        details={k: str(v) for k, v in (details or {}).items()},
        prev_hash=GENESIS if previous is None else previous.hash,
    )
    return replace(draft, hash=draft.computed_hash())


def verify_chain(records: Iterable[EvidenceRecord]) -> int | None:
    """Return the seq of the first record that breaks the chain, or None when it holds."""
    previous_hash = GENESIS
    expected_seq = 1
    for record in sorted(records, key=lambda r: r.seq):
        if (
            record.seq != expected_seq
            or record.prev_hash != previous_hash
            or record.computed_hash() != record.hash
        ):
            return record.seq
        previous_hash = record.hash
        expected_seq += 1
    return None

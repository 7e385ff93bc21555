"""The summary's PDF from the domain: names, French labels and the completion page's lines."""

from __future__ import annotations

from document_signature.adapters.pdf import (
    Completion,
    EvidenceLine,
    PdfRenderer,
    PlanStep,
    ResourceLine,
    SummaryDocument,
)
from document_signature.application.ports import Printable, SigningRecord
from document_signature.domain.evidence import STEP_LABELS, EvidenceRecord, EvidenceStep
from document_signature.domain.summary import (
    LEVEL_LABELS,
    METHOD_LABELS,
    OWNER_LABELS,
    RESOURCE_LABELS,
)

ROLE_LABELS = {
    "beneficiary": "le bénéficiaire",
    "counsellor": "le conseiller",
    "system": "Jalon",
    "recipient": "le destinataire",
}


def detail_of(record: EvidenceRecord) -> str:
    """Return the French detail of one evidence line: who, what version, from where."""
    details = record.details
    who = ROLE_LABELS.get(record.actor_role, record.actor_role)
    parts: list[str] = []
    match record.step:
        case EvidenceStep.CODE_SENT:
            parts.append(f"à {details.get('sent_to', '')}")
        case EvidenceStep.CODE_FAILED:
            parts.append(f"{details.get('attempts_left', '?')} essai(s) restant(s)")
        case EvidenceStep.SEALED:
            parts.append(f"empreinte avant cachet {details.get('sha256_before', '')[:12]}…")
        case EvidenceStep.PAPER_ATTACHED:
            parts.append(f"empreinte du scan {details.get('scan_sha256', '')[:12]}…")
        case EvidenceStep.SIGNED_IN_PERSON:
            parts.append("identité vérifiée")
        case _:
            pass
    if "version" in details:
        parts.append(f"version {details['version']}")
    parts.append(f"par {who}")
    if record.ip:
        parts.append(f"depuis {record.ip}")
    return ", ".join(parts)


def summary_document(page: Printable) -> SummaryDocument:
    """Return what the PDF prints of the summary's current version."""
    summary = page.summary
    current = summary.current
    content = current.content
    return SummaryDocument(
        reference=summary.reference,
        beneficiary_name=page.beneficiary_name,
        counsellor_name=page.counsellor_name,
        level_label=LEVEL_LABELS[current.level],
        version=current.version,
        written_on=current.written_at.date(),
        situation=content.situation,
        wishes=content.wishes,
        skills=content.skills,
        strategy=content.strategy,
        action_plan=tuple(
            PlanStep(due_on=i.due_on, action=i.action, owner_label=OWNER_LABELS[i.owner])
            for i in content.action_plan
        ),
        resources=tuple(
            ResourceLine(kind_label=RESOURCE_LABELS[r.kind], label=r.label)
            for r in content.resources
        ),
    )


def completion_page(signing: SigningRecord) -> Completion:
    """Return the completion page: the method, the signer and the evidence so far."""
    return Completion(
        method_label=METHOD_LABELS[signing.method],
        signed_at=signing.signed_at,
        signer_name=signing.signer_name,
        lines=tuple(
            EvidenceLine(
                at=r.at,
                step_label=STEP_LABELS[r.step],
                detail=detail_of(r),
                record_hash=r.hash,
            )
            for r in signing.records
        ),
        chain_head=signing.records[-1].hash if signing.records else "",
    )


class SummaryPrinter:
    """Renders a summary with WeasyPrint (PdfRenderer); synchronous, run off the loop."""

    def __init__(self, renderer: PdfRenderer) -> None:
        self._renderer = renderer

    def render(self, printable: Printable, signing: SigningRecord | None = None) -> bytes:
        """Return the PDF, with the completion page when the summary is being signed."""
        completion = None if signing is None else completion_page(signing)
        return self._renderer.render(summary_document(printable), completion)

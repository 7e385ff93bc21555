"""The events a summary's changes produce, built one way for every use case."""

from __future__ import annotations

from document_signature.domain.documents import Share, StoredDocument
from document_signature.domain.summary import Summary
from jalon_shared.events.document import (
    DocumentDeclined,
    DocumentDelivered,
    DocumentExpired,
    DocumentShared,
    DocumentSigned,
    DocumentSubmittedForSignature,
)
from jalon_shared.events.envelope import EventMeta


def submitted(summary: Summary, meta: EventMeta) -> DocumentSubmittedForSignature:
    """Return the event of a summary sent for signature."""
    return DocumentSubmittedForSignature(
        **meta.envelope(),
        document_id=summary.document_id,
        case_id=summary.case_id,
        beneficiary_id=summary.beneficiary_id,
    )


def signed(summary: Summary, meta: EventMeta) -> DocumentSigned:
    """Return the event of a signed summary, with how it was signed."""
    return DocumentSigned(
        **meta.envelope(),
        document_id=summary.document_id,
        case_id=summary.case_id,
        beneficiary_id=summary.beneficiary_id,
        signing_method=summary.signing_method,
    )


def delivered(summary: Summary, meta: EventMeta) -> DocumentDelivered:
    """Return the event of a sealed summary filed in the beneficiary's space."""
    return DocumentDelivered(
        **meta.envelope(),
        document_id=summary.document_id,
        case_id=summary.case_id,
        beneficiary_id=summary.beneficiary_id,
    )


def declined(summary: Summary, meta: EventMeta) -> DocumentDeclined:
    """Return the event of a summary the beneficiary declined to sign."""
    return DocumentDeclined(
        **meta.envelope(),
        document_id=summary.document_id,
        case_id=summary.case_id,
        beneficiary_id=summary.beneficiary_id,
    )


def expired(summary: Summary, meta: EventMeta) -> DocumentExpired:
    """Return the event of a summary whose signing window closed."""
    return DocumentExpired(
        **meta.envelope(),
        document_id=summary.document_id,
        case_id=summary.case_id,
        beneficiary_id=summary.beneficiary_id,
    )


def shared(document: StoredDocument, share: Share, meta: EventMeta) -> DocumentShared:
    """Return the event of a document shared through a link (ids and expiry only)."""
    return DocumentShared(
        **meta.envelope(),
        document_id=document.document_id,
        case_id=document.case_id,
        beneficiary_id=document.beneficiary_id,
        share_id=share.share_id,
        expires_at=share.expires_at,
    )

"""Events published by the document-signature service."""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from jalon_shared.events import topics
from jalon_shared.events.envelope import Event


class DocumentSubmittedForSignature(Event):
    """A summary was sent to the beneficiary for signature."""

    TOPIC: ClassVar[str] = topics.DOCUMENT
    KEY_FIELD: ClassVar[str] = "document_id"

    event_type: Literal["document.submitted_for_signature"] = "document.submitted_for_signature"
    schema_version: Literal[1] = 1
    document_id: UUID
    case_id: UUID
    beneficiary_id: UUID


class DocumentSigned(Event):
    """The beneficiary signed the summary."""

    TOPIC: ClassVar[str] = topics.DOCUMENT
    KEY_FIELD: ClassVar[str] = "document_id"

    event_type: Literal["document.signed"] = "document.signed"
    schema_version: Literal[1] = 1
    document_id: UUID
    case_id: UUID
    beneficiary_id: UUID


class DocumentDeclined(Event):
    """The beneficiary declined to sign the summary."""

    TOPIC: ClassVar[str] = topics.DOCUMENT
    KEY_FIELD: ClassVar[str] = "document_id"

    event_type: Literal["document.declined"] = "document.declined"
    schema_version: Literal[1] = 1
    document_id: UUID
    case_id: UUID
    beneficiary_id: UUID

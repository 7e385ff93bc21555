"""Events published by the document-signature service."""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime

from jalon_shared.events import topics
from jalon_shared.events.envelope import Event
from jalon_shared.events.vocabulary import SigningMethod

#: How a summary was signed: a one-time code by e-mail, in person, or a scanned paper copy.


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
    #: How it was signed; optional, so records written before it was added stay valid.
    signing_method: SigningMethod | None = None


class DocumentDeclined(Event):
    """The beneficiary declined to sign the summary."""

    TOPIC: ClassVar[str] = topics.DOCUMENT
    KEY_FIELD: ClassVar[str] = "document_id"

    event_type: Literal["document.declined"] = "document.declined"
    schema_version: Literal[1] = 1
    document_id: UUID
    case_id: UUID
    beneficiary_id: UUID


class DocumentExpired(Event):
    """The signing window closed before the beneficiary signed or declined."""

    TOPIC: ClassVar[str] = topics.DOCUMENT
    KEY_FIELD: ClassVar[str] = "document_id"

    event_type: Literal["document.expired"] = "document.expired"
    schema_version: Literal[1] = 1
    document_id: UUID
    case_id: UUID
    beneficiary_id: UUID


class DocumentDelivered(Event):
    """The sealed summary was filed in the beneficiary's document space."""

    TOPIC: ClassVar[str] = topics.DOCUMENT
    KEY_FIELD: ClassVar[str] = "document_id"

    event_type: Literal["document.delivered"] = "document.delivered"
    schema_version: Literal[1] = 1
    document_id: UUID
    case_id: UUID
    beneficiary_id: UUID


class DocumentShared(Event):
    """The beneficiary shared one of their documents through a time-limited link."""

    TOPIC: ClassVar[str] = topics.DOCUMENT
    KEY_FIELD: ClassVar[str] = "document_id"

    event_type: Literal["document.shared"] = "document.shared"
    schema_version: Literal[1] = 1
    document_id: UUID
    #: The case of a shared summary; an uploaded document belongs to no case.
    case_id: UUID | None = None
    beneficiary_id: UUID
    share_id: UUID
    expires_at: AwareDatetime

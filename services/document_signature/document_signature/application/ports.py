"""What the use cases need: storage, files, people, mail, the PDF and its seal, the clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

from document_signature.domain.documents import Share, StoredDocument
from document_signature.domain.evidence import EvidenceRecord
from document_signature.domain.otp import CodeChallenge
from document_signature.domain.summary import (
    Summary,
)
from jalon_shared.directory.model import CaseEntry
from jalon_shared.events.envelope import Event
from jalon_shared.events.vocabulary import SigningMethod

T = TypeVar("T")
Clock = Callable[[], datetime]


class SignatureTransaction(Protocol):
    """Reads and writes inside one MongoDB transaction; its events commit with it."""

    async def summary(self, document_id: UUID) -> Summary | None: ...
    async def save_summary(self, summary: Summary) -> None:
        """Insert or replace a summary."""

    async def challenge(self, document_id: UUID) -> CodeChallenge | None: ...
    async def save_challenge(self, challenge: CodeChallenge) -> None: ...
    async def drop_challenge(self, document_id: UUID) -> None: ...
    async def evidence_head(self, document_id: UUID) -> EvidenceRecord | None:
        """Return the last record of a document's evidence chain."""

    async def add_evidence(self, record: EvidenceRecord) -> None: ...
    async def document(self, document_id: UUID) -> StoredDocument | None: ...
    async def add_document(self, document: StoredDocument) -> None: ...
    async def delete_document(self, document: StoredDocument) -> None:
        """Delete a document, its shares, its evidence and its file's bytes."""

    async def share(self, share_id: UUID) -> Share | None: ...
    async def share_by_token(self, token_hash: str) -> Share | None: ...
    async def save_share(self, share: Share) -> None: ...
    def publish(self, *events: Event) -> None: ...


class UnitOfWork(Protocol):
    """Runs work in one transaction, retried on write conflicts, and commits it all or nothing."""

    async def run(self, work: Callable[[SignatureTransaction], Awaitable[T]]) -> T: ...


class SignatureQueries(Protocol):
    """Reads outside a transaction, for pages and the sweeper."""

    async def summary(self, document_id: UUID) -> Summary | None: ...
    async def of_case(self, case_id: UUID) -> list[Summary]: ...
    async def of_beneficiary(self, beneficiary_id: UUID) -> list[Summary]: ...
    async def submitted_until(self, until: datetime, *, limit: int) -> list[Summary]:
        """Return submitted summaries whose window closes before until, soonest first."""

    async def evidence(self, document_id: UUID) -> list[EvidenceRecord]:
        """Return a document's evidence chain in order."""

    async def document(self, document_id: UUID) -> StoredDocument | None: ...
    async def document_by_sha256(self, sha256: str) -> StoredDocument | None: ...
    async def documents_of(self, beneficiary_id: UUID) -> list[StoredDocument]: ...
    async def shares_of(self, document_ids: Sequence[UUID]) -> list[Share]: ...


class FileStore(Protocol):
    """The bytes of the space's files (GridFS), written outside transactions."""

    async def put(
        self,
        file_id: UUID,
        content: bytes,
        *,
        filename: str,
        media_type: str,
        beneficiary_id: UUID,
    ) -> None: ...
    async def get(self, file_id: UUID) -> bytes | None: ...
    async def delete(self, file_id: UUID) -> None: ...


class CaseDirectory(Protocol):
    """The local copy of intake's case ownership and staff (the shared directory)."""

    async def case(self, case_id: UUID) -> CaseEntry | None: ...
    async def counsellor_name(self, counsellor_id: str) -> str | None: ...


class PeopleUnavailableError(Exception):
    """Intake did not answer with the person's details or a 404: try again later."""


class People(Protocol):
    """What intake (their only holder) tells about a beneficiary: name and e-mail."""

    async def name(self, beneficiary_id: UUID) -> str | None:
        """Return "First Last", or None when intake holds nobody (unknown or erased)."""

    async def email(self, beneficiary_id: UUID) -> str | None:
        """Return the e-mail address, or None when intake holds nobody."""


class MailError(Exception):
    """The mail server did not take the message."""


class Mailer(Protocol):
    """Sends the signing code and the reminder; says nothing of the summary's text."""

    async def send_code(self, to: str, code: str, *, expires_at: datetime) -> None: ...
    async def send_reminder(self, to: str, *, reference: str, expires_at: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class Printable:
    """A summary with the names printed on it."""

    summary: Summary
    beneficiary_name: str
    counsellor_name: str


@dataclass(frozen=True, slots=True)
class SigningRecord:
    """The completion page: how and when it was signed, and the evidence so far."""

    method: SigningMethod
    signed_at: datetime
    signer_name: str
    records: tuple[EvidenceRecord, ...]


class SummaryPdf(Protocol):
    """Renders a summary (and its completion page) to PDF; CPU-bound, run off the loop."""

    def render(self, printable: Printable, signing: SigningRecord | None = None) -> bytes: ...


class Sealer(Protocol):
    """Seals a PDF with the organisation's key; CPU-bound, run off the loop."""

    def seal(self, pdf: bytes, *, reason: str, location: str) -> bytes: ...


class SignatureFacts(Protocol):
    """What the validator says of a PDF's signature."""

    @property
    def present(self) -> bool: ...
    @property
    def intact(self) -> bool: ...
    @property
    def valid(self) -> bool: ...
    @property
    def trusted(self) -> bool: ...
    @property
    def signer(self) -> str | None: ...
    @property
    def signed_at(self) -> datetime | None: ...
    @property
    def covers_whole_file(self) -> bool: ...
    @property
    def problems(self) -> tuple[str, ...]: ...


class Verifier(Protocol):
    """Validates a PDF's signature; never raises on bad input."""

    def check(self, pdf: bytes) -> SignatureFacts: ...


class Eraser(Protocol):
    """Removes everything held about a beneficiary, inside the erasure consumer's transaction."""

    async def erase(self, beneficiary_id: UUID, case_ids: Sequence[UUID], session: object) -> int:
        """Delete the person's summaries, codes, evidence, documents, shares and files."""

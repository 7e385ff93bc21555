"""What the web front reads from the document-signature service's API, typed.

Unknown fields are ignored. The service's codes (statuses, signing methods, plan owners,
resources) are mirrored here so that the pages can label each one in French.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from jalon_shared.events.vocabulary import ResourceKind, SigningMethod, StepOwner, SummaryStatus

#: The largest file a beneficiary may deposit, or a counsellor attach as a paper scan.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: The largest PDF the public verification page accepts (the service's own limit).
MAX_VERIFY_BYTES = 20 * 1024 * 1024
#: How long a share may last, in days, as the page offers it.
SHARE_DAYS = (1, 7, 30)


def _as_utc(moment: datetime) -> datetime:
    # A naive time from the service is UTC (it stores UTC); the pages need aware times.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class DocumentKind(StrEnum):
    """What a document of the personal space is."""

    SUMMARY = "summary"
    UPLOAD = "upload"


class View(BaseModel):
    """A read-only answer of the service; fields it adds later are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class PlanStep(View):
    """One dated step of the action plan."""

    due_on: date
    action: str
    owner: StepOwner


class Resource(View):
    """One resource of the plan."""

    kind: ResourceKind
    label: str


class SummaryContent(View):
    """The structured text of a summary."""

    situation: str = ""
    wishes: str = ""
    skills: str = ""
    strategy: str = ""
    action_plan: tuple[PlanStep, ...] = ()
    resources: tuple[Resource, ...] = ()


class Comment(View):
    """One comment of the thread, on the version it was written about."""

    comment_id: UUID
    version: int
    author_role: str
    text: str
    at: UtcDatetime


class Summary(View):
    """A summary document and where it stands (SummaryView)."""

    document_id: UUID
    case_id: UUID
    beneficiary_id: UUID
    counsellor_id: str | None = None
    status: SummaryStatus
    version: int
    content: SummaryContent
    #: A service level code; kept as text so that a code unknown here still shows the page.
    level: str = ""
    comments: tuple[Comment, ...] = ()
    submitted_at: UtcDatetime | None = None
    expires_at: UtcDatetime | None = None
    signed_at: UtcDatetime | None = None
    signing_method: SigningMethod | None = None
    declined_reason: str | None = None
    created_at: UtcDatetime
    updated_at: UtcDatetime | None = None

    @property
    def is_draft(self) -> bool:
        """Return whether the counsellor may still change it."""
        return self.status is SummaryStatus.DRAFT

    @property
    def is_submitted(self) -> bool:
        """Return whether it waits for the beneficiary's signature."""
        return self.status is SummaryStatus.SUBMITTED

    @property
    def open_to_comments(self) -> bool:
        """Return whether comments may still be added (draft or awaiting signature)."""
        return self.status in (SummaryStatus.DRAFT, SummaryStatus.SUBMITTED)


class EvidenceRecord(View):
    """One record of a summary's evidence trail, chained by hashes."""

    seq: int
    step: str
    actor_role: str | None = None
    at: UtcDatetime
    ip: str | None = None
    user_agent: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    prev_hash: str | None = None
    hash: str


class Evidence(View):
    """A summary's evidence trail and whether its chain holds."""

    records: tuple[EvidenceRecord, ...] = ()
    chain_intact: bool


class ShareAccess(View):
    """One opening of a share's link."""

    at: UtcDatetime
    ip: str | None = None
    user_agent: str | None = None


class Share(View):
    """A time-limited link to one document (ShareView)."""

    share_id: UUID
    recipient: str
    purpose: str = ""
    created_at: UtcDatetime
    expires_at: UtcDatetime
    revoked_at: UtcDatetime | None = None
    accesses: tuple[ShareAccess, ...] = ()

    def active(self, now: datetime) -> bool:
        """Return whether the link still opens the document."""
        return self.revoked_at is None and self.expires_at > now


class OwnDocument(View):
    """A document of the beneficiary's personal space."""

    document_id: UUID
    kind: DocumentKind
    title: str
    media_type: str
    size: int
    created_at: UtcDatetime
    shares: tuple[Share, ...] = ()


class CreatedShare(View):
    """A new share and its link's secret, given once."""

    share: Share
    token: str


class CodeSent(View):
    """Where a signing code went, until when it works, and how many more may be sent."""

    sent_to: str
    expires_at: UtcDatetime | None = None
    sends_left: int | None = None


class SignatureCheck(View):
    """What the verifier found about a PDF's signature."""

    present: bool
    intact: bool
    valid: bool
    trusted: bool
    signer: str | None = None
    signed_at: UtcDatetime | None = None
    covers_whole_file: bool = False
    problems: tuple[str, ...] = ()


class VerifyReport(View):
    """The public verification of a PDF: its signature, and whether Jalon delivered it."""

    signature: SignatureCheck
    document_known: bool
    chain_intact: bool | None = None
    sha256: str = ""
    problems: tuple[str, ...] = ()

    @property
    def authentic(self) -> bool:
        """Return whether every check passed."""
        check = self.signature
        return (
            check.present
            and check.intact
            and check.valid
            and check.trusted
            and self.document_known
            and self.chain_intact is not False
            and not self.problems
        )


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """The person's own address and browser, recorded by the service as evidence."""

    address: str | None
    agent: str | None


@dataclass(frozen=True, slots=True)
class Upload:
    """A file chosen in a form."""

    filename: str
    content: bytes
    media_type: str


@dataclass(frozen=True, slots=True)
class FileStream:
    """A file the service is sending: its type and name, its chunks, and how to stop reading."""

    media_type: str
    filename: str | None
    length: int | None
    chunks: AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]]

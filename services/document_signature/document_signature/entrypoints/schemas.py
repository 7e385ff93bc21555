"""Document signature's HTTP schemas: strict request bodies, and the views answered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from document_signature.application.draft_summary import SummaryText
from document_signature.application.list_documents import SpaceEntry
from document_signature.application.send_signing_code import SentCode
from document_signature.application.share_document import ShareRequest
from document_signature.application.verify_document import Verification
from document_signature.domain.documents import Share
from document_signature.domain.evidence import EvidenceRecord, EvidenceStep
from document_signature.domain.otp import CODE_DIGITS
from document_signature.domain.summary import (
    AuthorRole,
    PlanItem,
    Resource,
    Summary,
    SummaryContent,
)
from jalon_shared.events.vocabulary import (
    ResourceKind,
    ServiceLevel,
    SigningMethod,
    StepOwner,
    SummaryStatus,
)

#: A prose section: empty while drafting is fine, a book is not.
Prose = Annotated[StrictStr, StringConstraints(strip_whitespace=True, max_length=10_000)]
Line = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Label = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Note = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Code = Annotated[StrictStr, StringConstraints(pattern=rf"^\d{{{CODE_DIGITS}}}$")]


def _date_text(value: object) -> object:
    """Refuse a number where a date is due: lax parsing would read it as seconds since 1970."""
    if not isinstance(value, str | date):
        raise PydanticCustomError("date_type", "Input should be a date as YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_date_text)]


class Form(BaseModel):
    """A request body: unknown fields are refused, values are not coerced silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanItemForm(Form):
    """One dated step of the action plan."""

    due_on: Day
    action: Line
    owner: StepOwner


class ResourceForm(Form):
    """A scheme or partner the summary points to."""

    kind: ResourceKind
    label: Label


class ContentForm(Form):
    """What the summary says."""

    situation: Prose = ""
    wishes: Prose = ""
    skills: Prose = ""
    strategy: Prose = ""
    action_plan: list[PlanItemForm] = Field(default_factory=list, max_length=30)
    resources: list[ResourceForm] = Field(default_factory=list, max_length=30)

    def to_content(self) -> SummaryContent:
        """Build the domain content."""
        return SummaryContent(
            situation=self.situation,
            wishes=self.wishes,
            skills=self.skills,
            strategy=self.strategy,
            action_plan=tuple(PlanItem(i.due_on, i.action, i.owner) for i in self.action_plan),
            resources=tuple(Resource(r.kind, r.label) for r in self.resources),
        )


class SummaryForm(Form):
    """A version's level and content."""

    level: ServiceLevel
    content: ContentForm

    def to_text(self) -> SummaryText:
        """Build the use cases' input."""
        return SummaryText(self.level, self.content.to_content())


class CommentForm(Form):
    """A comment on the current version."""

    text: Note


class SignForm(Form):
    """The one-time code received by e-mail."""

    code: Code


class DeclineForm(Form):
    """Why the beneficiary does not sign."""

    reason: Note


class InPersonForm(Form):
    """The counsellor's statement that they checked the signer's identity."""

    identity_checked: StrictBool


class ShareForm(Form):
    """Who a link is for, why, for how many days, and the person's consent."""

    recipient: Label
    purpose: Line
    days: StrictInt = Field(ge=1, le=30)
    consent: StrictBool

    def to_request(self) -> ShareRequest:
        """Build the use case's input."""
        return ShareRequest(self.recipient, self.purpose, self.days, self.consent)


class PlanItemView(BaseModel):
    """One dated step of the action plan."""

    due_on: date
    action: str
    owner: StepOwner


class ResourceView(BaseModel):
    """A scheme or partner."""

    kind: ResourceKind
    label: str


class ContentView(BaseModel):
    """What the current version says."""

    situation: str
    wishes: str
    skills: str
    strategy: str
    action_plan: list[PlanItemView]
    resources: list[ResourceView]


class CommentView(BaseModel):
    """A comment, with the version it was written on and its author's role."""

    comment_id: UUID
    version: int
    author_role: AuthorRole
    text: str
    at: datetime


class SummaryView(BaseModel):
    """A summary as its beneficiary or its case's counsellor reads it."""

    document_id: UUID
    case_id: UUID
    beneficiary_id: UUID
    counsellor_id: str
    status: SummaryStatus
    version: int
    content: ContentView
    level: ServiceLevel
    comments: list[CommentView]
    submitted_at: datetime | None
    expires_at: datetime | None
    signed_at: datetime | None
    signing_method: SigningMethod | None
    declined_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, summary: Summary) -> SummaryView:
        """Return the view of a summary at its current version."""
        current = summary.current
        content = current.content
        return cls(
            document_id=summary.document_id,
            case_id=summary.case_id,
            beneficiary_id=summary.beneficiary_id,
            counsellor_id=summary.counsellor_id,
            status=summary.status,
            version=current.version,
            content=ContentView(
                situation=content.situation,
                wishes=content.wishes,
                skills=content.skills,
                strategy=content.strategy,
                action_plan=[
                    PlanItemView(due_on=i.due_on, action=i.action, owner=i.owner)
                    for i in content.action_plan
                ],
                resources=[ResourceView(kind=r.kind, label=r.label) for r in content.resources],
            ),
            level=current.level,
            comments=[
                CommentView(
                    comment_id=c.comment_id,
                    version=c.version,
                    author_role=c.author_role,
                    text=c.text,
                    at=c.at,
                )
                for c in summary.comments
            ],
            submitted_at=summary.submitted_at,
            expires_at=summary.expires_at,
            signed_at=summary.signed_at,
            signing_method=summary.signing_method,
            declined_reason=summary.declined_reason,
            created_at=summary.created_at,
            updated_at=summary.updated_at,
        )


class SentCodeView(BaseModel):
    """Where the code went (masked), until when it works, and how many more may be sent."""

    sent_to: str
    expires_at: datetime
    sends_left: int

    @classmethod
    def of(cls, sent: SentCode) -> SentCodeView:
        """Return the view of a sent code."""
        return cls(sent_to=sent.sent_to, expires_at=sent.expires_at, sends_left=sent.sends_left)


class EvidenceRecordView(BaseModel):
    """One step of the evidence file, with its place in the hash chain."""

    seq: int
    step: EvidenceStep
    actor_role: str
    at: datetime
    ip: str | None
    user_agent: str | None
    details: dict[str, str]
    prev_hash: str
    hash: str


class EvidenceView(BaseModel):
    """A summary's evidence file and whether every hash still holds."""

    records: list[EvidenceRecordView]
    chain_intact: bool

    @classmethod
    def of(cls, records: Sequence[EvidenceRecord], intact: bool) -> EvidenceView:
        """Return the view of an evidence file."""
        return cls(
            records=[
                EvidenceRecordView(
                    seq=r.seq,
                    step=r.step,
                    actor_role=r.actor_role,
                    at=r.at,
                    ip=r.ip,
                    user_agent=r.user_agent,
                    details=dict(r.details),
                    prev_hash=r.prev_hash,
                    hash=r.hash,
                )
                for r in records
            ],
            chain_intact=intact,
        )


class AccessView(BaseModel):
    """One opening of a share link."""

    at: datetime
    ip: str | None
    user_agent: str | None


class ShareView(BaseModel):
    """A share link, without its token (shown once, at creation)."""

    share_id: UUID
    recipient: str
    purpose: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    accesses: list[AccessView]

    @classmethod
    def of(cls, share: Share) -> ShareView:
        """Return the view of a share."""
        return cls(
            share_id=share.share_id,
            recipient=share.recipient,
            purpose=share.purpose,
            created_at=share.created_at,
            expires_at=share.expires_at,
            revoked_at=share.revoked_at,
            accesses=[
                AccessView(at=a.at, ip=a.ip, user_agent=a.user_agent) for a in share.accesses
            ],
        )


class ShareCreated(BaseModel):
    """A new share and its token; the token is never shown again."""

    share: ShareView
    token: str


class DocumentView(BaseModel):
    """A document of the beneficiary's space, with its shares."""

    document_id: UUID
    kind: str
    title: str
    media_type: str
    size: int
    created_at: datetime
    shares: list[ShareView]

    @classmethod
    def of(cls, entry: SpaceEntry) -> DocumentView:
        """Return the view of a document and its shares."""
        document = entry.document
        return cls(
            document_id=document.document_id,
            kind=document.kind.value,
            title=document.title,
            media_type=document.media_type,
            size=document.size,
            created_at=document.created_at,
            shares=[ShareView.of(s) for s in entry.shares],
        )


class SignatureCheckView(BaseModel):
    """What pyHanko's validator says of the file's signature."""

    present: bool
    intact: bool
    valid: bool
    trusted: bool
    signer: str | None
    signed_at: datetime | None
    covers_whole_file: bool
    problems: list[str]


class VerificationView(BaseModel):
    """The signature's check, and whether Jalon sealed this exact file and its evidence holds."""

    signature: SignatureCheckView
    document_known: bool
    chain_intact: bool | None
    sha256: str
    problems: list[str]

    @classmethod
    def of(cls, found: Verification) -> VerificationView:
        """Return the view of a verification."""
        check = found.signature
        return cls(
            signature=SignatureCheckView(
                present=check.present,
                intact=check.intact,
                valid=check.valid,
                trusted=check.trusted,
                signer=check.signer,
                signed_at=check.signed_at,
                covers_whole_file=check.covers_whole_file,
                problems=list(check.problems),
            ),
            document_known=found.document_known,
            chain_intact=found.chain_intact,
            sha256=found.sha256,
            problems=list(found.problems),
        )

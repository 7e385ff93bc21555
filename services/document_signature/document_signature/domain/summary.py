"""A guidance summary: co-written in draft, submitted for signature, then signed or closed.

The counsellor writes versions, both parties comment, the counsellor submits one version for
signature; the beneficiary signs it (or declines) within the signing window, after which it
expires. Every refusal names its reason so the API can say which rule said no.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from jalon_shared.events.vocabulary import (
    ResourceKind,
    ServiceLevel,
    SigningMethod,
    StepOwner,
    SummaryStatus,
)

#: How long a submitted summary can be signed.
SIGNING_WINDOW = timedelta(days=14)
#: When, before the window closes, the beneficiary is reminded (once).
REMINDER_BEFORE = timedelta(days=3)


class AuthorRole(StrEnum):
    """Who wrote a comment."""

    BENEFICIARY = "beneficiary"
    COUNSELLOR = "counsellor"


#: The French labels printed on the PDF.
RESOURCE_LABELS: dict[ResourceKind, str] = {
    ResourceKind.CPF: "CPF",
    ResourceKind.VAE: "VAE",
    ResourceKind.TRANSITIONS_PRO: "Transitions Pro",
    ResourceKind.TRAINING: "Formation",
    ResourceKind.OTHER: "Autre",
}
OWNER_LABELS: dict[StepOwner, str] = {
    StepOwner.BENEFICIARY: "Vous",
    StepOwner.COUNSELLOR: "Votre conseiller",
    StepOwner.TOGETHER: "Ensemble",
    StepOwner.PARTNER: "Un partenaire",
}
LEVEL_LABELS: dict[ServiceLevel, str] = {
    ServiceLevel.ACCUEIL_INDIVIDUALISE: "Niveau 1 : accueil individualisé",
    ServiceLevel.ACCOMPAGNEMENT_PERSONNALISE: "Niveau 2 : accompagnement personnalisé",
}
METHOD_LABELS: dict[SigningMethod, str] = {
    SigningMethod.OTP_EMAIL: "Code à usage unique envoyé par e-mail",
    SigningMethod.IN_PERSON: "Signature en présence du conseiller",
    SigningMethod.PAPER_SCAN: "Signature papier numérisée",
}


class SummaryError(ValueError):
    """A change the summary's state does not allow, with a reason code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One dated step of the action plan."""

    due_on: date
    action: str
    owner: StepOwner


@dataclass(frozen=True, slots=True)
class Resource:
    """A scheme or partner the summary points to."""

    kind: ResourceKind
    label: str


@dataclass(frozen=True, slots=True)
class SummaryContent:
    """What the summary says."""

    situation: str
    wishes: str
    skills: str
    strategy: str
    action_plan: tuple[PlanItem, ...] = ()
    resources: tuple[Resource, ...] = ()

    def digest(self) -> str:
        """Return the sha256 of the content's canonical JSON, which the evidence records."""
        canonical = {
            "situation": self.situation,
            "wishes": self.wishes,
            "skills": self.skills,
            "strategy": self.strategy,
            "action_plan": [
                {"due_on": i.due_on.isoformat(), "action": i.action, "owner": i.owner.value}
                for i in self.action_plan
            ],
            "resources": [{"kind": r.kind.value, "label": r.label} for r in self.resources],
        }
        text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SummaryVersion:
    """One written version of the summary."""

    version: int
    level: ServiceLevel
    content: SummaryContent
    written_at: datetime
    written_by: str


@dataclass(frozen=True, slots=True)
class Comment:
    """A remark on one version, by the beneficiary or the counsellor."""

    comment_id: UUID
    version: int
    author_role: AuthorRole
    author_id: str
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Summary:
    """A case's guidance summary and its path to signature."""

    document_id: UUID
    case_id: UUID
    beneficiary_id: UUID
    counsellor_id: str
    versions: tuple[SummaryVersion, ...]
    created_at: datetime
    updated_at: datetime
    status: SummaryStatus = SummaryStatus.DRAFT
    comments: tuple[Comment, ...] = ()
    submitted_at: datetime | None = None
    expires_at: datetime | None = None
    signed_at: datetime | None = None
    signing_method: SigningMethod | None = None
    declined_reason: str | None = None
    expired_at: datetime | None = None
    reminded_at: datetime | None = None
    #: The sealed PDF's sha256, once signed.
    sealed_sha256: str | None = field(default=None)

    @classmethod
    def draft(
        cls,
        *,
        document_id: UUID,
        case_id: UUID,
        beneficiary_id: UUID,
        counsellor_id: str,
        level: ServiceLevel,
        content: SummaryContent,
        now: datetime,
    ) -> Summary:
        """Return a new draft at version 1."""
        first = SummaryVersion(1, level, content, now, counsellor_id)
        return cls(
            document_id=document_id,
            case_id=case_id,
            beneficiary_id=beneficiary_id,
            counsellor_id=counsellor_id,
            versions=(first,),
            created_at=now,
            updated_at=now,
        )

    @property
    def current(self) -> SummaryVersion:
        """Return the latest version."""
        return self.versions[-1]

    @property
    def version(self) -> int:
        """Return the latest version's number."""
        return self.current.version

    @property
    def reference(self) -> str:
        """Return the reference printed on every page: SYN-<year>-<6 hex of the id>."""
        return f"SYN-{self.created_at.year}-{self.document_id.hex[:6].upper()}"

    def revised(
        self, level: ServiceLevel, content: SummaryContent, *, by: str, now: datetime
    ) -> Summary:
        """Return the summary with a new version; only a draft is rewritten."""
        self._require_draft()
        written = SummaryVersion(self.version + 1, level, content, now, by)
        return replace(self, versions=(*self.versions, written), updated_at=now)

    def commented(
        self,
        *,
        comment_id: UUID,
        author_role: AuthorRole,
        author_id: str,
        text: str,
        now: datetime,
    ) -> Summary:
        """Return the summary with a comment on its current version (draft or submitted)."""
        self._require_open(now)
        note = Comment(comment_id, self.version, author_role, author_id, text, now)
        return replace(self, comments=(*self.comments, note), updated_at=now)

    def submitted(self, now: datetime) -> Summary:
        """Return the summary sent for signature, open for SIGNING_WINDOW."""
        self._require_draft()
        return replace(
            self,
            status=SummaryStatus.SUBMITTED,
            submitted_at=now,
            expires_at=now + SIGNING_WINDOW,
            updated_at=now,
        )

    def check_signable(self, now: datetime) -> None:
        """Raise SummaryError unless the summary can be signed or declined now."""
        if self.status is SummaryStatus.SIGNED:
            raise SummaryError("already_signed", "the summary is already signed")
        if self.status is SummaryStatus.EXPIRED or (
            self.status is SummaryStatus.SUBMITTED and self.past_expiry(now)
        ):
            raise SummaryError("expired", "the signing window has closed")
        if self.status is not SummaryStatus.SUBMITTED:
            raise SummaryError("not_submitted", "the summary is not awaiting signature")

    def signed(self, method: SigningMethod, sealed_sha256: str, now: datetime) -> Summary:
        """Return the summary signed by the given method, with its sealed file's hash."""
        self.check_signable(now)
        return replace(
            self,
            status=SummaryStatus.SIGNED,
            signed_at=now,
            signing_method=method,
            sealed_sha256=sealed_sha256,
            updated_at=now,
        )

    def declined(self, reason: str, now: datetime) -> Summary:
        """Return the summary the beneficiary declined to sign, with their reason."""
        self.check_signable(now)
        return replace(self, status=SummaryStatus.DECLINED, declined_reason=reason, updated_at=now)

    def expired(self, now: datetime) -> Summary:
        """Return the summary closed unsigned once its window is past."""
        if self.status is not SummaryStatus.SUBMITTED:
            raise SummaryError("not_submitted", "only a summary awaiting signature expires")
        if not self.past_expiry(now):
            raise SummaryError("not_expired", "the signing window is still open")
        return replace(self, status=SummaryStatus.EXPIRED, expired_at=now, updated_at=now)

    def reminded(self, now: datetime) -> Summary:
        """Return the summary with its one reminder noted."""
        return replace(self, reminded_at=now)

    def due_for_reminder(self, now: datetime) -> bool:
        """Return whether the one reminder before expiry is due now."""
        return (
            self.status is SummaryStatus.SUBMITTED
            and self.reminded_at is None
            and self.expires_at is not None
            and self.expires_at - REMINDER_BEFORE <= now < self.expires_at
        )

    def past_expiry(self, now: datetime) -> bool:
        """Return whether the signing window has closed."""
        return self.expires_at is not None and now >= self.expires_at

    def _require_draft(self) -> None:
        if self.status is not SummaryStatus.DRAFT:
            raise SummaryError("not_draft", "only a draft can be changed or submitted")

    def _require_open(self, now: datetime) -> None:
        if self.status is SummaryStatus.DRAFT:
            return
        if self.status is SummaryStatus.SUBMITTED and not self.past_expiry(now):
            return
        if self.status is SummaryStatus.SIGNED:
            raise SummaryError("already_signed", "the summary is already signed")
        if self.status is SummaryStatus.SUBMITTED or self.status is SummaryStatus.EXPIRED:
            raise SummaryError("expired", "the signing window has closed")
        raise SummaryError("closed", "the summary is closed")

"""A fake of the document-signature service's API for the web front's pages, and its views."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from jalon_shared.events.vocabulary import SummaryStatus
from tests.unit.web_fakes import NOW, Front, build_front
from web.application.document_views import (
    ClientInfo,
    CodeSent,
    CreatedShare,
    Evidence,
    FileStream,
    OwnDocument,
    Share,
    Summary,
    Upload,
    VerifyReport,
)
from web.application.errors import ApiError, FieldError


def summary(**overrides: Any) -> Summary:
    """Return a summary as GET /summaries/{id} shows it (a draft by default)."""
    data: dict[str, Any] = {
        "document_id": str(uuid4()),
        "case_id": str(uuid4()),
        "beneficiary_id": str(uuid4()),
        "counsellor_id": "c-camille-bernard",
        "status": "draft",
        "version": 2,
        "level": "accompagnement_personnalise",
        "content": {
            "situation": "Soudeuse depuis 12 ans, en arrêt après un accident.",
            "wishes": "Se reconvertir dans le contrôle qualité.",
            "skills": "Lecture de plans, rigueur, normes ISO.",
            "strategy": "Formation courte puis VAE.",
            "action_plan": [
                {"due_on": "2026-12-15", "action": "Contacter l'AFPA", "owner": "beneficiary"},
                {"due_on": "2027-01-10", "action": "Monter le dossier CPF", "owner": "together"},
            ],
            "resources": [
                {"kind": "cpf", "label": "Solde de 2 400 euros"},
                {"kind": "transitions_pro", "label": "Transitions Pro Bretagne"},
            ],
        },
        "comments": [
            {
                "comment_id": str(uuid4()),
                "version": 1,
                "author_role": "beneficiary",
                "text": "Pouvez-vous préciser la date de l'accident ?",
                "at": "2026-11-22T09:00:00Z",
            }
        ],
        "submitted_at": None,
        "expires_at": None,
        "signed_at": None,
        "signing_method": None,
        "declined_reason": None,
        "created_at": "2026-11-20T08:30:00Z",
        "updated_at": "2026-11-22T10:00:00Z",
    }
    data.update(overrides)
    return Summary.model_validate(data)


def submitted(**overrides: Any) -> Summary:
    """Return a summary waiting for the beneficiary's signature."""
    return summary(
        status="submitted",
        submitted_at="2026-11-23T08:00:00Z",
        expires_at="2026-12-07T08:00:00Z",
        **overrides,
    )


def signed(**overrides: Any) -> Summary:
    """Return a summary signed with the code sent by e-mail."""
    return summary(
        status="signed",
        submitted_at="2026-11-23T08:00:00Z",
        signed_at="2026-11-23T12:30:00Z",
        signing_method="otp_email",
        **overrides,
    )


def share_view(**overrides: Any) -> Share:
    """Return a share as the documents list shows it."""
    data: dict[str, Any] = {
        "share_id": str(uuid4()),
        "recipient": "Transitions Pro Bretagne",
        "purpose": "Dossier de financement",
        "created_at": "2026-11-21T10:00:00Z",
        "expires_at": "2026-11-28T10:00:00Z",
        "revoked_at": None,
        "accesses": [
            {"at": "2026-11-22T15:00:00Z", "ip": "203.0.113.9", "user_agent": "Firefox/140"}
        ],
    }
    data.update(overrides)
    return Share.model_validate(data)


def own_document(**overrides: Any) -> OwnDocument:
    """Return a document of the beneficiary's space (a deposited file by default)."""
    data: dict[str, Any] = {
        "document_id": str(uuid4()),
        "kind": "upload",
        "title": "Mon CV",
        "media_type": "application/pdf",
        "size": 1_258_291,
        "created_at": "2026-11-21T09:00:00Z",
        "shares": [],
    }
    data.update(overrides)
    return OwnDocument.model_validate(data)


def evidence(*, intact: bool = True) -> Evidence:
    """Return an evidence trail of three records."""
    steps = ("submitted", "code_sent", "signed")
    return Evidence.model_validate(
        {
            "records": [
                {
                    "seq": i + 1,
                    "step": step,
                    "actor_role": "counsellor" if step == "submitted" else "beneficiary",
                    "at": f"2026-11-23T1{i}:00:00Z",
                    "ip": "198.51.100.7",
                    "user_agent": "Mozilla/5.0",
                    "details": {},
                    "prev_hash": "0" * 64 if i == 0 else f"{i - 1:064d}",
                    "hash": f"{i:064d}",
                }
                for i, step in enumerate(steps)
            ],
            "chain_intact": intact,
        }
    )


def report(**overrides: Any) -> VerifyReport:
    """Return the verification of an authentic summary."""
    data: dict[str, Any] = {
        "signature": {
            "present": True,
            "intact": True,
            "valid": True,
            "trusted": True,
            "signer": "Jalon - Organisme CEP",
            "signed_at": "2026-11-23T12:30:00Z",
            "covers_whole_file": True,
            "problems": [],
        },
        "document_known": True,
        "chain_intact": True,
        "sha256": "ab" * 32,
        "problems": [],
    }
    data.update(overrides)
    return VerifyReport.model_validate(data)


def invalid(field_name: str, reason: str, message: str = "") -> ApiError:
    """Return the 422 the service answers naming a field."""
    return ApiError(422, "invalid", (FieldError(field_name, reason, "body", message),))


def conflict(reason: str) -> ApiError:
    """Return the 409 the service answers with a reason."""
    return ApiError(409, reason, (FieldError("document", reason),))


@dataclass
class Streamed:
    """A file the fake hands over, and whether the page closed it."""

    content: bytes
    media_type: str = "application/pdf"
    filename: str | None = "synthese.pdf"
    closed: bool = False

    def stream(self) -> FileStream:
        async def chunks() -> AsyncIterator[bytes]:
            yield self.content[: len(self.content) // 2]
            yield self.content[len(self.content) // 2 :]

        async def close() -> None:
            self.closed = True

        return FileStream(
            media_type=self.media_type,
            filename=self.filename,
            length=len(self.content),
            chunks=chunks(),
            close=close,
        )


@dataclass
class FakeDocuments:
    """DocumentApi with canned answers; `fail` raises on every call of a method, `fail_once` on
    the next one only; every call is recorded with its arguments."""

    summaries: dict[UUID, Summary] = field(default_factory=dict)
    documents: dict[UUID, OwnDocument] = field(default_factory=dict)
    trail: Evidence = field(default_factory=evidence)
    verified: VerifyReport = field(default_factory=report)
    files: dict[str, Streamed] = field(default_factory=dict)
    code: str = "123456"
    attempts_left: int = 3
    share_token: str = "s3cr3t-Share-Token_0123456789abcdef"
    fail: dict[str, ApiError] = field(default_factory=dict)
    fail_once: dict[str, ApiError] = field(default_factory=dict)
    calls: list[tuple[str, str | None, tuple[Any, ...]]] = field(default_factory=list)

    def _call(self, name: str, token: str | None, *args: Any) -> None:
        self.calls.append((name, token, args))
        if name in self.fail_once:
            raise self.fail_once.pop(name)
        if name in self.fail:
            raise self.fail[name]

    def called(self, name: str) -> list[tuple[Any, ...]]:
        return [args for called, _, args in self.calls if called == name]

    def add(self, *found: Summary | OwnDocument) -> None:
        for item in found:
            if isinstance(item, Summary):
                self.summaries[item.document_id] = item
            else:
                self.documents[item.document_id] = item

    def _summary(self, document_id: UUID) -> Summary:
        if document_id not in self.summaries:
            raise ApiError(404, "no such summary")
        return self.summaries[document_id]

    def _update(self, document_id: UUID, **changes: Any) -> Summary:
        changed = self._summary(document_id).model_copy(update=changes)
        self.summaries[document_id] = changed
        return changed

    def _file(self, key: str) -> FileStream:
        if key not in self.files:
            raise ApiError(404, "no such file")
        return self.files[key].stream()

    async def case_summaries(self, token: str, case_id: UUID) -> list[Summary]:
        self._call("case_summaries", token, case_id)
        return [s for s in self.summaries.values() if s.case_id == case_id]

    async def my_summaries(self, token: str) -> list[Summary]:
        self._call("my_summaries", token)
        return list(self.summaries.values())

    async def summary(self, token: str, document_id: UUID) -> Summary:
        self._call("summary", token, document_id)
        return self._summary(document_id)

    async def create_summary(self, token: str, case_id: UUID, body: Mapping[str, Any]) -> Summary:
        self._call("create_summary", token, case_id, dict(body))
        made = summary(case_id=str(case_id), version=1, comments=[], **body)
        self.add(made)
        return made

    async def revise_summary(
        self, token: str, document_id: UUID, body: Mapping[str, Any]
    ) -> Summary:
        self._call("revise_summary", token, document_id, dict(body))
        before = self._summary(document_id)
        revised = summary(
            **{**before.model_dump(mode="json"), **body, "version": before.version + 1}
        )
        self.add(revised)
        return revised

    async def comment(self, token: str, document_id: UUID, text: str) -> Summary:
        self._call("comment", token, document_id, text)
        return self._summary(document_id)

    async def submit(self, token: str, document_id: UUID) -> Summary:
        self._call("submit", token, document_id)
        return self._update(
            document_id,
            status=SummaryStatus.SUBMITTED,
            submitted_at=NOW,
            expires_at=NOW + timedelta(days=14),
        )

    async def summary_pdf(self, token: str, document_id: UUID) -> FileStream:
        self._call("summary_pdf", token, document_id)
        return self._file(str(document_id))

    async def send_code(self, token: str, document_id: UUID, client: ClientInfo) -> CodeSent:
        self._call("send_code", token, document_id, client)
        return CodeSent(
            sent_to="i***@example.org", expires_at=NOW + timedelta(minutes=10), sends_left=2
        )

    async def sign(self, token: str, document_id: UUID, code: str, client: ClientInfo) -> Summary:
        self._call("sign", token, document_id, code, client)
        if code != self.code:
            self.attempts_left -= 1
            raise invalid("code", "wrong_code", f"wrong code: {self.attempts_left} attempt(s) left")
        return self._update(document_id, status=SummaryStatus.SIGNED, signed_at=NOW)

    async def decline(
        self, token: str, document_id: UUID, reason: str, client: ClientInfo
    ) -> Summary:
        self._call("decline", token, document_id, reason, client)
        return self._update(document_id, status=SummaryStatus.DECLINED, declined_reason=reason)

    async def sign_in_person(self, token: str, document_id: UUID, client: ClientInfo) -> Summary:
        self._call("sign_in_person", token, document_id, client)
        return self._update(document_id, status=SummaryStatus.SIGNED, signed_at=NOW)

    async def attach_paper(
        self, token: str, document_id: UUID, scan: Upload, client: ClientInfo
    ) -> Summary:
        self._call("attach_paper", token, document_id, scan, client)
        return self._update(document_id, status=SummaryStatus.SIGNED, signed_at=NOW)

    async def evidence(self, token: str, document_id: UUID) -> Evidence:
        self._call("evidence", token, document_id)
        return self.trail

    async def my_documents(self, token: str) -> list[OwnDocument]:
        self._call("my_documents", token)
        return list(self.documents.values())

    async def upload(self, token: str, title: str, file: Upload) -> OwnDocument:
        self._call("upload", token, title, file)
        made = own_document(title=title, size=len(file.content), media_type=file.media_type)
        self.add(made)
        return made

    async def document_content(self, token: str, document_id: UUID) -> FileStream:
        self._call("document_content", token, document_id)
        return self._file(str(document_id))

    async def delete_document(self, token: str, document_id: UUID) -> None:
        self._call("delete_document", token, document_id)
        self.documents.pop(document_id, None)

    async def share(
        self,
        token: str,
        document_id: UUID,
        *,
        recipient: str,
        purpose: str,
        days: int,
        consent: bool,
    ) -> CreatedShare:
        self._call("share", token, document_id, recipient, purpose, days, consent)
        made = share_view(
            recipient=recipient,
            purpose=purpose,
            created_at=NOW.isoformat(),
            expires_at=(NOW + timedelta(days=days)).isoformat(),
            accesses=[],
        )
        document = self.documents[document_id]
        self.documents[document_id] = document.model_copy(
            update={"shares": (*document.shares, made)}
        )
        return CreatedShare(share=made, token=self.share_token)

    async def revoke_share(self, token: str, share_id: UUID) -> Share:
        self._call("revoke_share", token, share_id)
        return share_view(share_id=str(share_id), revoked_at=NOW.isoformat())

    async def shared(self, share_token: str, client: ClientInfo) -> FileStream:
        self._call("shared", None, share_token, client)
        return self._file(share_token)

    async def verify(self, pdf: bytes) -> VerifyReport:
        self._call("verify", None, pdf)
        return self.verified


@dataclass
class DocumentFront:
    """A front on fakes whose document pages reach the fake document service."""

    front: Front
    documents: FakeDocuments


def build_document_front() -> DocumentFront:
    """Return a front on fakes with the fake document service wired in."""
    front = build_front()
    fake = FakeDocuments()
    front.deps = replace(front.deps, documents=fake)
    front.app.state.web = front.deps
    return DocumentFront(front, fake)

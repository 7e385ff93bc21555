"""Document signature's MongoDB storage: summaries, codes, evidence, documents, shares."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from pymongo import ASCENDING, DESCENDING

from document_signature.application.ports import SignatureTransaction
from document_signature.domain.documents import (
    Access,
    DocumentKind,
    Share,
    StoredDocument,
)
from document_signature.domain.evidence import EvidenceRecord, EvidenceStep
from document_signature.domain.otp import CodeChallenge
from document_signature.domain.summary import (
    AuthorRole,
    Comment,
    PlanItem,
    Resource,
    Summary,
    SummaryContent,
    SummaryVersion,
)
from jalon_shared.directory.model import CaseEntry
from jalon_shared.directory.store import CASES, COUNSELLORS
from jalon_shared.events.vocabulary import (
    ResourceKind,
    ServiceLevel,
    SigningMethod,
    StepOwner,
    SummaryStatus,
)
from jalon_shared.messaging.outbox import Outbox, OutboxRelay
from jalon_shared.messaging.unit_of_work import EventStaging, OutboxUnitOfWork
from jalon_shared.mongo import Client, Collection, Database, Session

T = TypeVar("T")

SUMMARIES = "summaries"
CODES = "signing_codes"
EVIDENCE = "evidence"
DOCUMENTS = "documents"
SHARES = "shares"
#: The GridFS bucket holding the files' bytes (files.files and files.chunks).
FILES_BUCKET = "files"


class SignatureCollections:
    """The service's own collections, the GridFS bucket's two, and the directory copy's."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.summaries: Collection = database[SUMMARIES]
        self.codes: Collection = database[CODES]
        self.evidence: Collection = database[EVIDENCE]
        self.documents: Collection = database[DOCUMENTS]
        self.shares: Collection = database[SHARES]
        self.files: Collection = database[f"{FILES_BUCKET}.files"]
        self.chunks: Collection = database[f"{FILES_BUCKET}.chunks"]
        self.cases: Collection = database[CASES]
        self.counsellors: Collection = database[COUNSELLORS]

    async def ensure_indexes(self) -> None:
        """Create the lookups' indexes; the chain's (document, seq) index is what serialises it."""
        await self.summaries.create_index("case_id")
        await self.summaries.create_index("beneficiary_id")
        await self.summaries.create_index([("status", ASCENDING), ("expires_at", ASCENDING)])
        await self.codes.create_index("beneficiary_id")
        await self.evidence.create_index(
            [("document_id", ASCENDING), ("seq", ASCENDING)], unique=True
        )
        await self.evidence.create_index("beneficiary_id")
        await self.documents.create_index(
            [("beneficiary_id", ASCENDING), ("created_at", ASCENDING)]
        )
        await self.documents.create_index("sha256")
        await self.shares.create_index("token_hash", unique=True)
        await self.shares.create_index("document_id")
        await self.shares.create_index("beneficiary_id")
        await self.files.create_index("metadata.beneficiary_id")
        # GridFS makes this one on its first write; made here too, so erasure never scans.
        await self.chunks.create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)


def content_to_doc(content: SummaryContent) -> dict[str, Any]:
    """Return the stored form of a version's content."""
    return {
        "situation": content.situation,
        "wishes": content.wishes,
        "skills": content.skills,
        "strategy": content.strategy,
        "action_plan": [
            {"due_on": i.due_on.isoformat(), "action": i.action, "owner": i.owner.value}
            for i in content.action_plan
        ],
        "resources": [{"kind": r.kind.value, "label": r.label} for r in content.resources],
    }


def content_from_doc(doc: dict[str, Any]) -> SummaryContent:
    """Return a version's content from its stored form."""
    return SummaryContent(
        situation=doc["situation"],
        wishes=doc["wishes"],
        skills=doc["skills"],
        strategy=doc["strategy"],
        action_plan=tuple(
            PlanItem(date.fromisoformat(i["due_on"]), i["action"], StepOwner(i["owner"]))
            for i in doc.get("action_plan", [])
        ),
        resources=tuple(
            Resource(ResourceKind(r["kind"]), r["label"]) for r in doc.get("resources", [])
        ),
    )


def summary_to_doc(summary: Summary) -> dict[str, Any]:
    """Return the stored form of a summary."""
    return {
        "_id": summary.document_id,
        "case_id": summary.case_id,
        "beneficiary_id": summary.beneficiary_id,
        "counsellor_id": summary.counsellor_id,
        "status": summary.status.value,
        "versions": [
            {
                "version": v.version,
                "level": v.level.value,
                "content": content_to_doc(v.content),
                "written_at": v.written_at,
                "written_by": v.written_by,
            }
            for v in summary.versions
        ],
        "comments": [
            {
                "comment_id": c.comment_id,
                "version": c.version,
                "author_role": c.author_role.value,
                "author_id": c.author_id,
                "text": c.text,
                "at": c.at,
            }
            for c in summary.comments
        ],
        "created_at": summary.created_at,
        "updated_at": summary.updated_at,
        "submitted_at": summary.submitted_at,
        "expires_at": summary.expires_at,
        "signed_at": summary.signed_at,
        "signing_method": summary.signing_method.value if summary.signing_method else None,
        "declined_reason": summary.declined_reason,
        "expired_at": summary.expired_at,
        "reminded_at": summary.reminded_at,
        "sealed_sha256": summary.sealed_sha256,
    }


def summary_from_doc(doc: dict[str, Any]) -> Summary:
    """Return a summary from its stored form."""
    method = doc.get("signing_method")
    return Summary(
        document_id=doc["_id"],
        case_id=doc["case_id"],
        beneficiary_id=doc["beneficiary_id"],
        counsellor_id=doc["counsellor_id"],
        status=SummaryStatus(doc["status"]),
        versions=tuple(
            SummaryVersion(
                version=v["version"],
                level=ServiceLevel(v["level"]),
                content=content_from_doc(v["content"]),
                written_at=v["written_at"],
                written_by=v["written_by"],
            )
            for v in doc["versions"]
        ),
        comments=tuple(
            Comment(
                comment_id=c["comment_id"],
                version=c["version"],
                author_role=AuthorRole(c["author_role"]),
                author_id=c["author_id"],
                text=c["text"],
                at=c["at"],
            )
            for c in doc.get("comments", [])
        ),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
        submitted_at=doc.get("submitted_at"),
        expires_at=doc.get("expires_at"),
        signed_at=doc.get("signed_at"),
        signing_method=SigningMethod(method) if method else None,
        declined_reason=doc.get("declined_reason"),
        expired_at=doc.get("expired_at"),
        reminded_at=doc.get("reminded_at"),
        sealed_sha256=doc.get("sealed_sha256"),
    )


def challenge_to_doc(challenge: CodeChallenge) -> dict[str, Any]:
    """Return the stored form of a code challenge: its digest and salt, never the code."""
    return {
        "_id": challenge.document_id,
        "beneficiary_id": challenge.beneficiary_id,
        "salt": challenge.salt,
        "digest": challenge.digest,
        "issued_at": challenge.issued_at,
        "expires_at": challenge.expires_at,
        "attempts_left": challenge.attempts_left,
        "sends": challenge.sends,
        "verified_at": challenge.verified_at,
    }


def challenge_from_doc(doc: dict[str, Any]) -> CodeChallenge:
    """Return a code challenge from its stored form."""
    return CodeChallenge(
        document_id=doc["_id"],
        beneficiary_id=doc["beneficiary_id"],
        salt=bytes(doc["salt"]),
        digest=doc["digest"],
        issued_at=doc["issued_at"],
        expires_at=doc["expires_at"],
        attempts_left=doc["attempts_left"],
        sends=doc["sends"],
        verified_at=doc.get("verified_at"),
    )


def evidence_to_doc(record: EvidenceRecord) -> dict[str, Any]:
    """Return the stored form of an evidence record."""
    return {
        "document_id": record.document_id,
        "beneficiary_id": record.beneficiary_id,
        "seq": record.seq,
        "step": record.step.value,
        "actor_role": record.actor_role,
        "actor_id": record.actor_id,
        "at": record.at,
        "ip": record.ip,
        "user_agent": record.user_agent,
        "details": dict(record.details),
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }


def evidence_from_doc(doc: dict[str, Any]) -> EvidenceRecord:
    """Return an evidence record from its stored form, exactly as written (never recomputed)."""
    return EvidenceRecord(
        document_id=doc["document_id"],
        beneficiary_id=doc["beneficiary_id"],
        seq=doc["seq"],
        step=EvidenceStep(doc["step"]),
        actor_role=doc["actor_role"],
        actor_id=doc["actor_id"],
        at=doc["at"],
        ip=doc.get("ip"),
        user_agent=doc.get("user_agent"),
        details={str(k): str(v) for k, v in (doc.get("details") or {}).items()},
        prev_hash=doc["prev_hash"],
        hash=doc["hash"],
    )


def document_to_doc(document: StoredDocument) -> dict[str, Any]:
    """Return the stored form of a document's listing."""
    return {
        "_id": document.document_id,
        "beneficiary_id": document.beneficiary_id,
        "kind": document.kind.value,
        "title": document.title,
        "media_type": document.media_type,
        "size": document.size,
        "sha256": document.sha256,
        "file_id": document.file_id,
        "created_at": document.created_at,
        "case_id": document.case_id,
    }


def document_from_doc(doc: dict[str, Any]) -> StoredDocument:
    """Return a document's listing from its stored form."""
    return StoredDocument(
        document_id=doc["_id"],
        beneficiary_id=doc["beneficiary_id"],
        kind=DocumentKind(doc["kind"]),
        title=doc["title"],
        media_type=doc["media_type"],
        size=doc["size"],
        sha256=doc["sha256"],
        file_id=doc["file_id"],
        created_at=doc["created_at"],
        case_id=doc.get("case_id"),
    )


def share_to_doc(share: Share) -> dict[str, Any]:
    """Return the stored form of a share: the token's digest, never the token."""
    return {
        "_id": share.share_id,
        "document_id": share.document_id,
        "beneficiary_id": share.beneficiary_id,
        "recipient": share.recipient,
        "purpose": share.purpose,
        "token_hash": share.token_hash,
        "created_at": share.created_at,
        "expires_at": share.expires_at,
        "revoked_at": share.revoked_at,
        "accesses": [{"at": a.at, "ip": a.ip, "user_agent": a.user_agent} for a in share.accesses],
    }


def share_from_doc(doc: dict[str, Any]) -> Share:
    """Return a share from its stored form."""
    return Share(
        share_id=doc["_id"],
        document_id=doc["document_id"],
        beneficiary_id=doc["beneficiary_id"],
        recipient=doc["recipient"],
        purpose=doc["purpose"],
        token_hash=doc["token_hash"],
        created_at=doc["created_at"],
        expires_at=doc["expires_at"],
        revoked_at=doc.get("revoked_at"),
        accesses=tuple(
            Access(a["at"], a.get("ip"), a.get("user_agent")) for a in doc.get("accesses", [])
        ),
    )


class MongoSignatureTransaction(EventStaging, SignatureTransaction):
    """The transaction's reads and writes; its events are staged in the outbox at its end."""

    def __init__(self, collections: SignatureCollections, session: Session) -> None:
        super().__init__()
        self._c = collections
        self._session = session

    async def summary(self, document_id: UUID) -> Summary | None:
        """Return a summary read in the transaction's snapshot."""
        doc = await self._c.summaries.find_one({"_id": document_id}, session=self._session)
        return None if doc is None else summary_from_doc(doc)

    async def save_summary(self, summary: Summary) -> None:
        """Insert or replace a summary."""
        await self._c.summaries.replace_one(
            {"_id": summary.document_id},
            summary_to_doc(summary),
            upsert=True,
            session=self._session,
        )

    async def challenge(self, document_id: UUID) -> CodeChallenge | None:
        """Return the document's current code challenge."""
        doc = await self._c.codes.find_one({"_id": document_id}, session=self._session)
        return None if doc is None else challenge_from_doc(doc)

    async def save_challenge(self, challenge: CodeChallenge) -> None:
        """Store the document's code challenge."""
        await self._c.codes.replace_one(
            {"_id": challenge.document_id},
            challenge_to_doc(challenge),
            upsert=True,
            session=self._session,
        )

    async def drop_challenge(self, document_id: UUID) -> None:
        """Forget the document's code challenge (signed, declined or expired)."""
        await self._c.codes.delete_one({"_id": document_id}, session=self._session)

    async def evidence_head(self, document_id: UUID) -> EvidenceRecord | None:
        """Return the last record of the document's chain."""
        doc = await self._c.evidence.find_one(
            {"document_id": document_id}, sort=[("seq", DESCENDING)], session=self._session
        )
        return None if doc is None else evidence_from_doc(doc)

    async def add_evidence(self, record: EvidenceRecord) -> None:
        """Append a record."""
        await self._c.evidence.insert_one(evidence_to_doc(record), session=self._session)

    async def document(self, document_id: UUID) -> StoredDocument | None:
        """Return a document's listing."""
        doc = await self._c.documents.find_one({"_id": document_id}, session=self._session)
        return None if doc is None else document_from_doc(doc)

    async def add_document(self, document: StoredDocument) -> None:
        """List a document whose bytes are already stored."""
        await self._c.documents.insert_one(document_to_doc(document), session=self._session)

    async def delete_document(self, document: StoredDocument) -> None:
        """Delete the listing, its shares, its evidence and its bytes, in the transaction."""
        # GridFS's API refuses transactions, but its two collections are plain ones: deleting
        # through them here makes the removal all-or-nothing with the listing.
        tx = self._session
        await self._c.documents.delete_one({"_id": document.document_id}, session=tx)
        await self._c.shares.delete_many({"document_id": document.document_id}, session=tx)
        await self._c.evidence.delete_many({"document_id": document.document_id}, session=tx)
        await self._c.chunks.delete_many({"files_id": document.file_id}, session=tx)
        await self._c.files.delete_one({"_id": document.file_id}, session=tx)

    async def share(self, share_id: UUID) -> Share | None:
        """Return one share."""
        doc = await self._c.shares.find_one({"_id": share_id}, session=self._session)
        return None if doc is None else share_from_doc(doc)

    async def share_by_token(self, token_hash: str) -> Share | None:
        """Return the share a token's digest opens."""
        doc = await self._c.shares.find_one({"token_hash": token_hash}, session=self._session)
        return None if doc is None else share_from_doc(doc)

    async def save_share(self, share: Share) -> None:
        """Insert or replace a share."""
        await self._c.shares.replace_one(
            {"_id": share.share_id}, share_to_doc(share), upsert=True, session=self._session
        )


class MongoUnitOfWork(OutboxUnitOfWork[MongoSignatureTransaction]):
    """Runs use cases in MongoDB transactions; after a commit with events, wakes the relay."""

    def __init__(
        self,
        client: Client,
        collections: SignatureCollections,
        outbox: Outbox,
        relay: OutboxRelay,
    ) -> None:
        super().__init__(
            client, lambda session: MongoSignatureTransaction(collections, session), outbox, relay
        )


class MongoSignatureQueries:
    """Reads for pages, the sweeper and verification."""

    def __init__(self, collections: SignatureCollections) -> None:
        self._c = collections

    async def summary(self, document_id: UUID) -> Summary | None:
        """Return one summary."""
        doc = await self._c.summaries.find_one({"_id": document_id})
        return None if doc is None else summary_from_doc(doc)

    async def _summaries(self, query: dict[str, Any]) -> list[Summary]:
        cursor = self._c.summaries.find(query).sort("created_at", DESCENDING).limit(200)
        return [summary_from_doc(d) async for d in cursor]

    async def of_case(self, case_id: UUID) -> list[Summary]:
        """Return a case's summaries, newest first."""
        return await self._summaries({"case_id": case_id})

    async def of_beneficiary(self, beneficiary_id: UUID) -> list[Summary]:
        """Return a beneficiary's summaries, newest first."""
        return await self._summaries({"beneficiary_id": beneficiary_id})

    async def submitted_until(self, until: datetime, *, limit: int) -> list[Summary]:
        """Return submitted summaries whose window closes before until, soonest first."""
        cursor = (
            self._c.summaries.find(
                {"status": SummaryStatus.SUBMITTED.value, "expires_at": {"$lte": until}}
            )
            .sort("expires_at", ASCENDING)
            .limit(limit)
        )
        return [summary_from_doc(d) async for d in cursor]

    async def evidence(self, document_id: UUID) -> list[EvidenceRecord]:
        """Return a document's chain in order."""
        cursor = self._c.evidence.find({"document_id": document_id}).sort("seq", ASCENDING)
        return [evidence_from_doc(d) async for d in cursor]

    async def document(self, document_id: UUID) -> StoredDocument | None:
        """Return a document's listing."""
        doc = await self._c.documents.find_one({"_id": document_id})
        return None if doc is None else document_from_doc(doc)

    async def document_by_sha256(self, sha256: str) -> StoredDocument | None:
        """Return the document whose file has this sha256."""
        doc = await self._c.documents.find_one({"sha256": sha256})
        return None if doc is None else document_from_doc(doc)

    async def documents_of(self, beneficiary_id: UUID) -> list[StoredDocument]:
        """Return a beneficiary's documents, newest first."""
        cursor = (
            self._c.documents.find({"beneficiary_id": beneficiary_id})
            .sort("created_at", DESCENDING)
            .limit(500)
        )
        return [document_from_doc(d) async for d in cursor]

    async def shares_of(self, document_ids: Sequence[UUID]) -> list[Share]:
        """Return the shares of these documents."""
        if not document_ids:
            return []
        cursor = self._c.shares.find({"document_id": {"$in": list(document_ids)}})
        return [share_from_doc(d) async for d in cursor]


class MongoCaseDirectory:
    """The directory copy's cases and counsellors, read from this service's database."""

    def __init__(self, collections: SignatureCollections) -> None:
        self._c = collections

    async def case(self, case_id: UUID) -> CaseEntry | None:
        """Return one case's ownership."""
        doc = await self._c.cases.find_one({"_id": case_id})
        return None if doc is None else CaseEntry.model_validate({**doc, "case_id": doc["_id"]})

    async def counsellor_name(self, counsellor_id: str) -> str | None:
        """Return the counsellor's display name as intake's directory announced it."""
        doc = await self._c.counsellors.find_one(
            {"_id": counsellor_id}, projection={"display_name": 1}
        )
        name = None if doc is None else doc.get("display_name")
        return str(name) if name else None


class MongoEraser:
    """Deletes everything held about a beneficiary, GridFS bytes included."""

    def __init__(self, collections: SignatureCollections) -> None:
        self._c = collections

    async def erase(self, beneficiary_id: UUID, case_ids: Sequence[UUID], session: object) -> int:
        """Delete the person's records in the caller's transaction; return how many went."""
        tx: Session = session  # type: ignore[assignment]
        owned: dict[str, Any] = {"beneficiary_id": beneficiary_id}
        if case_ids:
            owned = {"$or": [owned, {"case_id": {"$in": list(case_ids)}}]}
        summary_ids = [
            d["_id"] async for d in self._c.summaries.find(owned, {"_id": 1}, session=tx)
        ]
        document_ids = [
            d["_id"]
            async for d in self._c.documents.find(
                {"beneficiary_id": beneficiary_id}, {"_id": 1}, session=tx
            )
        ]
        subjects = [*summary_ids, *document_ids]
        by_person_or_subject: dict[str, Any] = {
            "$or": [{"beneficiary_id": beneficiary_id}, {"document_id": {"$in": subjects}}]
        }
        removed = 0
        removed += (
            await self._c.summaries.delete_many({"_id": {"$in": summary_ids}}, session=tx)
        ).deleted_count
        await self._c.codes.delete_many(
            {"$or": [{"beneficiary_id": beneficiary_id}, {"_id": {"$in": summary_ids}}]},
            session=tx,
        )
        removed += (
            await self._c.evidence.delete_many(by_person_or_subject, session=tx)
        ).deleted_count
        removed += (
            await self._c.shares.delete_many(by_person_or_subject, session=tx)
        ).deleted_count
        removed += (
            await self._c.documents.delete_many({"beneficiary_id": beneficiary_id}, session=tx)
        ).deleted_count
        # Every file (sealed summaries, uploads, paper scans) carries its owner in metadata.
        file_ids = [
            d["_id"]
            async for d in self._c.files.find(
                {"metadata.beneficiary_id": beneficiary_id}, {"_id": 1}, session=tx
            )
        ]
        if file_ids:
            await self._c.chunks.delete_many({"files_id": {"$in": file_ids}}, session=tx)
            removed += (
                await self._c.files.delete_many({"_id": {"$in": file_ids}}, session=tx)
            ).deleted_count
        return removed

"""Use case (public): check a PDF's seal, and whether Jalon filed it and its evidence holds."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass

from document_signature.application.ports import SignatureFacts, SignatureQueries, Verifier
from document_signature.domain.documents import DocumentKind
from document_signature.domain.evidence import verify_chain


@dataclass(frozen=True, slots=True)
class Verification:
    """The validator's findings, and what Jalon knows of this exact file."""

    signature: SignatureFacts
    sha256: str
    document_known: bool
    chain_intact: bool | None
    problems: tuple[str, ...]


async def verify_document(
    queries: SignatureQueries, verifier: Verifier, content: bytes
) -> Verification:
    """Validate the signature and look the file up by its sha256 among sealed summaries."""
    digest = hashlib.sha256(content).hexdigest()
    signature = await asyncio.to_thread(verifier.check, content)
    known = await queries.document_by_sha256(digest)
    if known is None or known.kind is not DocumentKind.SUMMARY:
        return Verification(signature, digest, False, None, tuple(signature.problems))
    intact = verify_chain(await queries.evidence(known.document_id)) is None
    problems = tuple(signature.problems) + (() if intact else ("chain_broken",))
    return Verification(signature, digest, True, intact, problems)

"""Check a PDF's signatures with pyHanko's validator against the organisation's trust roots."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Final

import structlog
from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from document_signature.adapters.seal import load_certificates, outside_event_loop, signer_name

log = structlog.get_logger(__name__)

UNREADABLE: Final = "unreadable"
NO_SIGNATURE: Final = "no_signature"
MODIFIED: Final = "modified"
NOT_WHOLE_FILE: Final = "not_whole_file"
NOT_TRUSTED: Final = "not_trusted"
INVALID: Final = "invalid"
#: pyHanko's loggers that describe the documents they check.
VALIDATION_LOGGERS: Final = (
    "pyhanko.sign.validation",
    "pyhanko.sign.diff_analysis",
    "pyhanko_certvalidator",
)
#: The order problems are reported in, most serious first.
PROBLEM_ORDER: Final = (UNREADABLE, NO_SIGNATURE, MODIFIED, INVALID, NOT_TRUSTED, NOT_WHOLE_FILE)


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """What a PDF's signatures prove: present, intact, valid, trusted, covering the whole file."""

    present: bool
    intact: bool
    valid: bool
    trusted: bool
    signer: str | None
    signed_at: datetime | None
    covers_whole_file: bool
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Return whether the file is exactly what the trusted signer sealed."""
        return not self.problems


def _absent(problem: str) -> SignatureCheck:
    return SignatureCheck(
        present=False,
        intact=False,
        valid=False,
        trusted=False,
        signer=None,
        signed_at=None,
        covers_whole_file=False,
        problems=(problem,),
    )


@dataclass(frozen=True, slots=True)
class _One:
    """One signature's verdict."""

    intact: bool
    valid: bool
    trusted: bool
    signer: str | None
    signed_at: datetime | None
    covers_whole_file: bool
    problems: frozenset[str]


def _verdict(status: PdfSignatureStatus) -> _One:
    problems: set[str] = set()
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if not status.intact:
        problems.add(MODIFIED)
    elif not status.valid:
        problems.add(INVALID)
    if status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        # Bytes outside the signed range that are not a later revision: tampering.
        problems.add(MODIFIED)
    elif not whole:
        problems.add(NOT_WHOLE_FILE)
        if status.docmdp_ok is False:
            # A later revision changed what the signature's policy forbids.
            problems.add(MODIFIED)
    timestamp = status.timestamp_validity
    untrusted = not status.trusted or (timestamp is not None and not timestamp.trusted)
    if untrusted and status.intact and status.valid:
        # pyHanko skips the trust path of a broken signature: "modified" says it all there.
        problems.add(NOT_TRUSTED)
    if timestamp is not None and not (timestamp.intact and timestamp.valid):
        problems.add(INVALID)
    signed_at = (
        timestamp.timestamp
        if timestamp is not None and timestamp.intact and timestamp.valid
        else status.signer_reported_dt
    )
    return _One(
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        signer=signer_name(status.signing_cert),
        signed_at=signed_at,
        covers_whole_file=whole,
        problems=frozenset(problems),
    )


def _signer_of(signature: EmbeddedPdfSignature) -> str | None:
    try:
        return signer_name(signature.signer_cert)
    except Exception:  # a broken CMS blob still gets a verdict, without a name.
        return None


class PdfVerifier:
    """Validate PDF signatures against fixed trust roots, offline (no fetching, soft-fail).

    Revocation is soft-fail with fetching off: the dev PKI publishes no CRL or OCSP, and a check
    must never call out. check() is synchronous and CPU-bound (pyHanko's sync API runs its own
    event loop), so call it off the event loop (asyncio.to_thread); it keeps no state between
    calls, so one verifier serves every thread.
    """

    def __init__(self, trust_roots: Sequence[x509.Certificate]) -> None:
        self._trust_roots = tuple(trust_roots)
        # pyHanko logs each failed check with the certificate's subject, which in an uploaded
        # file can be anyone's name: the verdict is returned instead, and never logged.
        for name in VALIDATION_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)

    @classmethod
    def from_files(cls, trust_roots: Sequence[Path]) -> PdfVerifier:
        """Load the trust roots (PEM or DER certificates) once."""
        return cls(load_certificates(trust_roots))

    def _context(self) -> ValidationContext:
        # One per check: a context caches paths and revocation data, which must not leak across
        # documents or threads.
        return ValidationContext(
            trust_roots=list(self._trust_roots),
            allow_fetching=False,
            revocation_mode="soft-fail",
        )

    def check(self, pdf: bytes) -> SignatureCheck:
        """Return what the PDF's signatures prove; never raises on bad input."""
        return outside_event_loop(lambda: self._check(pdf))

    def _check(self, pdf: bytes) -> SignatureCheck:
        try:
            # Strict: a verifier refuses the ambiguous structures lax parsing lets through.
            reader = PdfFileReader(BytesIO(pdf), strict=True)
            signatures: list[EmbeddedPdfSignature] = list(reader.embedded_regular_signatures)
        except Exception:  # any parsing failure is the same verdict.
            return _absent(UNREADABLE)
        if not signatures:
            return _absent(NO_SIGNATURE)
        verdicts: list[_One] = []
        for signature in signatures:
            try:
                verdicts.append(_verdict(validate_pdf_signature(signature, self._context())))
            except Exception as exc:  # a malformed signature is an invalid one.
                log.info("signature_validation_failed", error=type(exc).__name__)
                verdicts.append(
                    _One(
                        intact=False,
                        valid=False,
                        trusted=False,
                        signer=_signer_of(signature),
                        signed_at=None,
                        covers_whole_file=False,
                        problems=frozenset({INVALID}),
                    )
                )
        last = verdicts[-1]
        problems = set().union(*(verdict.problems for verdict in verdicts))
        if last.covers_whole_file:
            # Earlier signatures are followed by the later ones' revisions, as they should be.
            problems.discard(NOT_WHOLE_FILE)
        return SignatureCheck(
            present=True,
            intact=all(verdict.intact for verdict in verdicts),
            valid=all(verdict.valid for verdict in verdicts),
            trusted=all(verdict.trusted for verdict in verdicts),
            signer=last.signer,
            signed_at=last.signed_at,
            covers_whole_file=last.covers_whole_file,
            problems=tuple(problem for problem in PROBLEM_ORDER if problem in problems),
        )

"""The organisation's electronic seal on summary PDFs: a PAdES signature made with pyHanko."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Sequence
from io import BytesIO
from pathlib import Path
from typing import Final, TypeVar

from asn1crypto import pem, x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.keys.internal import translate_pyca_cryptography_key_to_asn1
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

FIELD_NAME: Final = "CachetOrganisme"
#: Room for the CMS blob: an ECDSA signature, the chain and, for B-T, a timestamp token with
#: the TSA's certificates. Reserving it up front spares pyHanko a dry-run signature per seal.
RESERVED_BYTES: Final = 8_192
RESERVED_BYTES_WITH_TIMESTAMP: Final = 24_576

T = TypeVar("T")


def outside_event_loop(work: Callable[[], T]) -> T:
    """Return work(), run in a worker thread when this thread runs an event loop.

    pyHanko's sync API starts an event loop of its own, which a thread already running one
    cannot do: rather than fail, the work moves to a thread (this loop still waits for it, so
    callers on a loop should use asyncio.to_thread instead).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        on_loop = False
    else:
        on_loop = True
    if not on_loop:
        return work()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def load_certificates(paths: Sequence[Path]) -> list[x509.Certificate]:
    """Return every certificate in the files, PEM (one or more blocks) or DER."""
    found: list[x509.Certificate] = []
    for path in paths:
        data = path.read_bytes()
        if pem.detect(data):
            found += [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
        else:
            found.append(x509.Certificate.load(data))
    return found


def signer_name(cert: x509.Certificate) -> str:
    """Return the certificate's common name, or its whole subject when it has none."""
    subject = cert.subject.native
    common_name = subject.get("common_name")
    if isinstance(common_name, str) and common_name:
        return common_name
    return str(cert.subject.human_friendly)


def _free_field_name(writer: IncrementalPdfFileWriter) -> str:
    # A file sealed again (a re-issue) keeps its first seal: the new one gets a field of its own.
    taken = {name for name, _, _ in fields.enumerate_sig_fields(writer)}
    return next(
        name
        for name in (FIELD_NAME, *(f"{FIELD_NAME}{n}" for n in range(2, len(taken) + 2)))
        if name not in taken
    )


class PdfSealer:
    """Seal PDFs with the organisation's key: PAdES B-B, or B-T when a timestamp URL is set.

    The key and certificates are loaded once, in from_files. seal() keeps no state between calls,
    so one sealer serves every thread; it is CPU-bound and synchronous (pyHanko runs its own
    event loop inside), so call it off the event loop (asyncio.to_thread).
    """

    def __init__(
        self,
        signer: signers.SimpleSigner,
        *,
        timestamper: TimeStamper | None = None,
    ) -> None:
        self._signer = signer
        self._timestamper = timestamper
        self.signer_name = signer_name(signer.signing_cert)

    @classmethod
    def from_files(
        cls,
        key_path: Path,
        cert_path: Path,
        chain_paths: Sequence[Path] = (),
        *,
        timestamp_url: str | None = None,
    ) -> PdfSealer:
        """Load the seal's key (PEM or DER, unencrypted), certificate and chain, once."""
        key_bytes = key_path.read_bytes()
        load = (
            serialization.load_pem_private_key
            if key_bytes.lstrip().startswith(b"-----")
            else serialization.load_der_private_key
        )
        key = load(key_bytes, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the seal key must be an elliptic-curve (ECDSA) private key")
        certs = load_certificates([cert_path])
        if len(certs) != 1:
            raise ValueError("the seal certificate file must hold exactly one certificate")
        # pyhanko-certvalidator leaves this constructor unannotated.
        registry = SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            load_certificates(chain_paths)
        )
        signer = signers.SimpleSigner(
            signing_cert=certs[0],
            signing_key=translate_pyca_cryptography_key_to_asn1(key),
            cert_registry=registry,
        )
        timestamper = HTTPTimeStamper(timestamp_url) if timestamp_url else None
        return cls(signer, timestamper=timestamper)

    def with_timestamper(self, timestamper: TimeStamper | None) -> PdfSealer:
        """Return a sealer with the same key that timestamps through timestamper (B-T)."""
        return PdfSealer(self._signer, timestamper=timestamper)

    def seal(self, pdf: bytes, *, reason: str, location: str) -> bytes:
        """Return the PDF with the organisation's seal appended as an incremental update."""
        return outside_event_loop(lambda: self._seal(pdf, reason=reason, location=location))

    def _seal(self, pdf: bytes, *, reason: str, location: str) -> bytes:
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        metadata = signers.PdfSignatureMetadata(
            field_name=_free_field_name(writer),
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
            location=location,
            name=self.signer_name,
        )
        output = BytesIO()
        signers.sign_pdf(
            writer,
            metadata,
            signer=self._signer,
            timestamper=self._timestamper,
            bytes_reserved=(
                RESERVED_BYTES if self._timestamper is None else RESERVED_BYTES_WITH_TIMESTAMP
            ),
            output=output,
        )
        return output.getvalue()

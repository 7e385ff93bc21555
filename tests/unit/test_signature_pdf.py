"""The summary PDF (WeasyPrint), the organisation's PAdES seal and its verification (pyHanko)."""

from __future__ import annotations

import shutil
import stat
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from document_signature.adapters.pdf import (
    Completion,
    EvidenceLine,
    PdfRenderer,
    PlanStep,
    ResourceLine,
    SummaryDocument,
    long_date,
    long_datetime,
)
from document_signature.adapters.seal import PdfSealer, load_certificates
from document_signature.adapters.verify import PdfVerifier
from jalon_dev.pki import DevPki, ensure_dev_pki

#: Where the lead looks at the pages (the test's own copies stay under tmp_path).
SHOTS = Path("/tmp/jalon-shots")  # noqa: S108 - a fixed place people know to look in.
REFERENCE = "SYN-2026-3F2A1C"
SITUATION = (
    "Léa travaille depuis douze ans dans la logistique, d'abord comme préparatrice de "
    "commandes puis comme cheffe d'équipe dans un entrepôt de la grande distribution près de "
    "Rennes. Les horaires décalés pèsent sur sa vie de famille et son dos la fait souffrir ; "
    "elle souhaite un métier plus sédentaire, sans renoncer au travail en équipe. "
)


def summary(**changes: object) -> SummaryDocument:
    """Return a summary long enough for three pages; changes override its fields."""
    document = SummaryDocument(
        reference=REFERENCE,
        beneficiary_name="Léa Petit",
        counsellor_name="Camille Bernard",
        level_label="Niveau 2 : conseil personnalisé",
        version=3,
        written_on=date(2026, 3, 2),
        situation="\n\n".join([SITUATION * 3] * 2) + "\nSeconde ligne <b>pas du HTML</b> & co.",
        wishes=SITUATION * 3,
        skills=SITUATION * 4,
        strategy="\n\n".join([SITUATION * 2] * 2),
        action_plan=tuple(
            PlanStep(
                due_on=date(2027, 1, 15) + timedelta(days=21 * index),
                action=(
                    "Rencontrer Transitions Pro Bretagne pour préparer le dossier de projet "
                    f"de transition professionnelle (étape {index + 1})"
                ),
                owner_label=("Vous", "Votre conseiller", "Ensemble", "Un partenaire")[index % 4],
            )
            for index in range(6)
        ),
        resources=(
            ResourceLine("CPF", "Mon compte formation : 1 850 € disponibles"),
            ResourceLine("VAE", "Titre professionnel de technicien en logistique d'entreposage"),
            ResourceLine("Transitions Pro", "Projet de transition professionnelle"),
        ),
    )
    return replace(document, **changes)  # type: ignore[arg-type]


COMPLETION = Completion(
    method_label="Code à usage unique envoyé par e-mail",
    signed_at=datetime(2027, 1, 5, 13, 5, tzinfo=UTC),
    signer_name="Léa Petit",
    lines=tuple(
        EvidenceLine(datetime(2027, 1, 5, 13, minute, tzinfo=UTC), step, detail, f"{minute:x}" * 64)
        for minute, (step, detail) in enumerate(
            [
                ("Soumis pour signature", "version 3"),
                ("Code envoyé", "l***@example.org"),
                ("Code saisi", "192.0.2.10, Firefox 128 sur Linux"),
                ("Signé", "Code à usage unique"),
            ]
        )
    ),
    chain_head="ab12" * 16,
)


@pytest.fixture(scope="module")
def renderer() -> PdfRenderer:
    """Return one renderer, as the service keeps one."""
    return PdfRenderer()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    """Return a dev PKI made for this module."""
    return ensure_dev_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def signed_summary(renderer: PdfRenderer) -> bytes:
    """Return the three-page summary with its completion page, not yet sealed."""
    return renderer.render(summary(), COMPLETION)


@pytest.fixture(scope="module")
def sealed(signed_summary: bytes, pki: DevPki) -> bytes:
    """Return the summary sealed with the module's PKI."""
    sealer = PdfSealer.from_files(pki.org_key, pki.org_cert, [pki.ca_cert])
    return sealer.seal(signed_summary, reason="Document de synthèse signé", location="Rennes")


def page_count(pdf: bytes) -> int:
    """Return the number of pages, read with pyHanko's own reader."""
    return int(PdfFileReader(BytesIO(pdf)).root["/Pages"]["/Count"])


def page_texts(pdf: bytes, directory: Path) -> list[str]:
    """Return each page's text, extracted by poppler."""
    source = directory / "text.pdf"
    source.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"], capture_output=True, check=True, text=True
    ).stdout
    return text.split("\f")[:-1]


def rasterise(pdf: bytes, directory: Path, resolution: int = 50) -> list[Path]:
    """Return one PNG per page, rendered by poppler's pdftoppm."""
    source = directory / "doc.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(resolution), "-png", str(source), str(directory / "page")],
        check=True,
    )
    return sorted(directory.glob("page-*.png"))


def test_french_dates_are_in_paris_time() -> None:
    assert long_date(date(2027, 1, 15)) == "15 janvier 2027"
    assert long_date(date(2027, 8, 1)) == "1er août 2027"
    # 12:05 UTC is 14:05 in Paris in summer, 13:05 in winter.
    assert long_datetime(datetime(2027, 7, 1, 12, 5, tzinfo=UTC)) == "1er juillet 2027 à 14 h 05"
    assert long_datetime(datetime(2027, 1, 15, 12, 5, tzinfo=UTC)) == "15 janvier 2027 à 13 h 05"


def test_content_is_escaped_and_empty_sections_say_so(renderer: PdfRenderer) -> None:
    html = renderer.html(summary(situation="<script>x</script>", wishes="  ", action_plan=()))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert html.count("Non renseigné") == 2
    assert '<html lang="fr">' in html


def test_summary_renders_three_pages_plus_completion(
    renderer: PdfRenderer, signed_summary: bytes, tmp_path: Path
) -> None:
    assert page_count(renderer.render(summary())) == 3
    assert page_count(signed_summary) == 4
    texts = page_texts(signed_summary, tmp_path)
    assert len(texts) == 4
    for number, text in enumerate(texts, start=1):
        assert f"Réf. {REFERENCE}" in text
        assert f"Page {number} sur 4" in text
    assert "15 janvier 2027" in texts[2] or "15 janvier 2027" in texts[1]
    assert "Page de complétion / preuve de signature" in texts[3]
    assert "5 janvier 2027 à 14 h 05" in texts[3]
    assert "ab12ab12" in texts[3]


def test_pdf_is_tagged_french_and_pdfa(signed_summary: bytes) -> None:
    root = PdfFileReader(BytesIO(signed_summary)).root
    assert str(root["/Lang"]) == "fr"
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert "/StructTreeRoot" in root
    metadata = root["/Metadata"].data
    assert b'pdfaid:part="3"' in metadata
    assert "Document de synthèse CEP".encode() in metadata


def test_pages_rasterise_and_are_not_blank(signed_summary: bytes, tmp_path: Path) -> None:
    pages = rasterise(signed_summary, tmp_path)
    assert len(pages) == 4
    for page in pages:
        assert page.stat().st_size > 4_000
        with Image.open(page) as image:
            histogram = image.convert("L").histogram()
        # Text is there: some pixels are dark, not only the white page and light tints.
        assert sum(histogram[:80]) > 500
    # Larger copies for people to look at.
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("pdf-*.png"):
        old.unlink()
    shots = tmp_path / "shots"
    shots.mkdir()
    for number, page in enumerate(rasterise(signed_summary, shots, resolution=80), start=1):
        shutil.copyfile(page, SHOTS / f"pdf-{number}.png")


def test_seal_validates_with_pyhanko(sealed: bytes, pki: DevPki) -> None:
    reader = PdfFileReader(BytesIO(sealed))
    (signature,) = reader.embedded_signatures
    context = ValidationContext(trust_roots=load_certificates([pki.ca_cert]))
    status = validate_pdf_signature(signature, context)
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.md_algorithm == "sha256"
    assert str(signature.sig_object["/SubFilter"]) == "/ETSI.CAdES.detached"


def test_verifier_accepts_the_sealed_file(sealed: bytes, pki: DevPki) -> None:
    check = PdfVerifier.from_files([pki.ca_cert]).check(sealed)
    assert check.problems == ()
    assert (check.present, check.intact, check.valid, check.trusted) == (True, True, True, True)
    assert check.covers_whole_file
    assert check.signer == "Jalon (dev) - cachet de l'organisme"
    assert check.signed_at is not None
    assert abs(check.signed_at - datetime.now(UTC)) < timedelta(minutes=10)


def test_one_flipped_byte_breaks_the_seal(sealed: bytes, pki: DevPki) -> None:
    reader = PdfFileReader(BytesIO(sealed))
    (signature,) = reader.embedded_signatures
    start, length, _, _ = (int(value) for value in signature.sig_object["/ByteRange"])
    # A byte of a content stream, well inside the first signed range.
    position = sealed.index(b"stream\n", 200) + 40
    assert start <= position < start + length
    tampered = bytearray(sealed)
    tampered[position] ^= 0x01
    (broken,) = PdfFileReader(BytesIO(bytes(tampered))).embedded_signatures
    context = ValidationContext(trust_roots=load_certificates([pki.ca_cert]))
    status = validate_pdf_signature(broken, context)
    assert not status.intact
    assert not status.bottom_line
    check = PdfVerifier.from_files([pki.ca_cert]).check(bytes(tampered))
    assert check.present
    assert not check.intact
    assert "modified" in check.problems


def test_verifier_reports_what_is_wrong(
    signed_summary: bytes, sealed: bytes, pki: DevPki, tmp_path: Path
) -> None:
    verifier = PdfVerifier.from_files([pki.ca_cert])
    assert verifier.check(signed_summary).problems == ("no_signature",)
    assert verifier.check(b"not a pdf").problems == ("unreadable",)
    assert verifier.check(b"%PDF-1.7\n" + b"\x00" * 100).problems == ("unreadable",)
    appended = verifier.check(sealed + b"\n% later bytes\n")
    assert appended.problems == ("not_whole_file",)
    assert not appended.covers_whole_file
    stranger = ensure_dev_pki(tmp_path / "stranger")
    forged = PdfSealer.from_files(stranger.org_key, stranger.org_cert, [stranger.ca_cert]).seal(
        signed_summary, reason="Faux", location="Ailleurs"
    )
    check = verifier.check(forged)
    assert check.problems == ("not_trusted",)
    assert check.intact
    assert not check.trusted


def test_dev_pki_is_idempotent_and_keeps_keys_private(tmp_path: Path) -> None:
    first = ensure_dev_pki(tmp_path)
    before = {path: path.read_bytes() for path in (first.ca_cert, first.org_key, first.org_cert)}
    second = ensure_dev_pki(tmp_path)
    assert second == first
    assert {path: path.read_bytes() for path in before} == before
    for key in (first.org_key, first.ca_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600


def dev_tsa(pki: DevPki) -> DummyTimeStamper:
    """Return an in-process time-stamping authority whose certificate the dev CA issued."""
    ca_key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    ca_cert = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    # pyHanko's in-process authority signs with RSA only.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Horodatage (test)")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key_der),
        fixed_dt=datetime(2027, 1, 5, 13, 6, tzinfo=UTC),
    )


def test_timestamped_seal_is_pades_b_t(signed_summary: bytes, pki: DevPki) -> None:
    sealer = PdfSealer.from_files(pki.org_key, pki.org_cert, [pki.ca_cert])
    sealed = sealer.with_timestamper(dev_tsa(pki)).seal(
        signed_summary, reason="Document de synthèse signé", location="Rennes"
    )
    (signature,) = PdfFileReader(BytesIO(sealed)).embedded_signatures
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=load_certificates([pki.ca_cert]))
    )
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.trusted
    assert status.bottom_line
    check = PdfVerifier.from_files([pki.ca_cert]).check(sealed)
    assert check.problems == ()
    # The trusted time is the authority's, not the signer's own clock.
    assert check.signed_at == datetime(2027, 1, 5, 13, 6, tzinfo=UTC)

"""A dev-only PKI: a root CA and the organisation's seal certificate, generated on first use.

The seal key signs (seals) every summary PDF; the CA is the only trust root the dev verifier
accepts. Nothing here is ever committed or used outside dev and the tests.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CA_NAME = "Jalon (dev) - autorité racine"
ORG_NAME = "Jalon (dev) - cachet de l'organisme"
CA_YEARS = 10
ORG_YEARS = 3


@dataclass(frozen=True, slots=True)
class DevPki:
    """The files of the dev PKI: the root CA certificate, the seal's key and certificate."""

    ca_cert: Path
    org_key: Path
    org_cert: Path

    @property
    def ca_key(self) -> Path:
        """Return the root CA's private key file (kept beside its certificate)."""
        return self.ca_cert.with_name("ca_key.pem")


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Jalon (dev)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Created 0600 from the start: the key is never readable by others, even for an instant.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    path.chmod(0o600)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _make_ca(now: datetime, years: int) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(CA_NAME)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _make_org(
    ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, now: datetime, years: int
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(ORG_NAME))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            # contentCommitment (non-repudiation) is what PAdES validators expect of a seal.
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def ensure_dev_pki(directory: Path) -> DevPki:
    """Return the dev PKI under directory, generating whatever is missing (existing files stay)."""
    directory.mkdir(parents=True, exist_ok=True)
    pki = DevPki(
        ca_cert=directory / "ca_cert.pem",
        org_key=directory / "org_key.pem",
        org_cert=directory / "org_cert.pem",
    )
    now = datetime.now(UTC)
    if pki.ca_cert.exists() and pki.ca_key.exists():
        ca_key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), password=None)
        if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
            raise ValueError("the dev CA key is not an EC key")
        ca_cert = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    else:
        ca_key, ca_cert = _make_ca(now, CA_YEARS)
        _write_key(pki.ca_key, ca_key)
        _write_cert(pki.ca_cert, ca_cert)
        # A new CA makes any older seal certificate untrusted: issue a new one under it.
        pki.org_key.unlink(missing_ok=True)
        pki.org_cert.unlink(missing_ok=True)
    if not (pki.org_key.exists() and pki.org_cert.exists()):
        org_key, org_cert = _make_org(ca_key, ca_cert, now, ORG_YEARS)
        _write_key(pki.org_key, org_key)
        _write_cert(pki.org_cert, org_cert)
    return pki

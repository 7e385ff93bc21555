"""Document signature's own settings: the seal's key and certificates, mail, intake, the sweep."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr

from jalon_shared.settings import dev_url
from jalon_shared.smtp import SmtpSettings


class SigningSettings(BaseModel):
    """The organisation's seal and the verifier's trust; read from JALON_SIGNING__* variables."""

    #: The seal's private key (ECDSA P-256, PEM or DER); unset, summaries cannot be signed.
    key_file: Path | None = None
    cert_file: Path | None = None
    #: Intermediate certificates sent with the seal.
    chain_files: list[Path] = Field(default_factory=list)
    #: The roots /verify trusts (the dev CA in dev).
    trust_root_files: list[Path] = Field(default_factory=list)
    #: An RFC 3161 timestamp authority; set, seals are PAdES B-T instead of B-B.
    timestamp_url: str | None = None


class DocumentsSettings(SmtpSettings):
    """Mail, intake and the expiry sweep; read from JALON_DOCUMENTS__* variables."""

    intake_url: str = dev_url("intake")
    #: The web front's public address, for the link in the reminder.
    web_url: str = dev_url("web")
    #: Keys the one-time codes' HMAC (32 bytes at least). Required outside dev: unset, a key is
    #: made per process, so a code sent by one replica fails on another, and after a restart.
    code_secret: SecretStr | None = None
    #: The seal's location field.
    seal_location: str = "France"
    sweep_interval_seconds: float = Field(default=60, gt=0)

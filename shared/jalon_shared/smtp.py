"""E-mail over SMTP as every service sends it: the relay's settings and one way to hand mail on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from zoneinfo import ZoneInfo

import aiosmtplib
from pydantic import BaseModel, Field, SecretStr

PARIS = ZoneInfo("Europe/Paris")


class SmtpSettings(BaseModel):
    """A service section's relay: its JALON_<SECTION>__SMTP_* variables."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_sender: str = "Jalon <no-reply@jalon.invalid>"
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=10, gt=0)


class SmtpError(Exception):
    """The relay was out of reach or refused the mail; carries the error's type, never the mail."""

    def __init__(self, error_type: str) -> None:
        super().__init__(error_type)
        self.error_type = error_type


@dataclass(frozen=True, slots=True)
class SmtpRelay:
    """An SMTP relay and the sender the services write as."""

    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10

    @classmethod
    def from_settings(cls, settings: SmtpSettings) -> SmtpRelay:
        """Return the relay a settings section names."""
        password = settings.smtp_password
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=password.get_secret_value() if password else None,
            timeout=settings.smtp_timeout_seconds,
        )

    def message_id(self, local: str) -> str:
        """Return a Message-ID on the sender's domain that is the same on every attempt."""
        domain = parseaddr(self.sender)[1].rpartition("@")[2] or "jalon.invalid"
        return f"<{local}@{domain}>"

    def french_mail(
        self, to: str, subject: str, text: str, *, message_id: str | None = None
    ) -> EmailMessage:
        """Return a plain-text French e-mail, dated now in Paris, with a fresh id unless given."""
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = to
        mail["Subject"] = subject
        mail["Date"] = format_datetime(datetime.now(PARIS))
        mail["Message-ID"] = message_id or make_msgid(domain="jalon.invalid")
        mail["Content-Language"] = "fr"
        mail.set_content(text)
        return mail

    async def send(self, mail: EmailMessage) -> None:
        """Hand the mail to the relay, or raise SmtpError."""
        try:
            await aiosmtplib.send(
                mail,
                hostname=self.host,
                port=self.port,
                start_tls=self.starttls,
                username=self.username,
                password=self.password,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise SmtpError(type(exc).__name__) from exc

"""Remote session's own settings: mail, intake, the web front's address."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from jalon_shared.settings import dev_url


class ThreadsSettings(BaseModel):
    """Mail and intake for the new-message notice; read from JALON_THREADS__* variables."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_sender: str = "Jalon <no-reply@jalon.invalid>"
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=10, gt=0)
    intake_url: str = dev_url("intake")
    #: The web front's public address, for the link in the notice.
    web_url: str = dev_url("web")

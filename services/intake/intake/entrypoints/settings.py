"""Intake's own settings: the satisfaction surveys' follow-up, its e-mail and its links."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from jalon_shared.links import MIN_SECRET_BYTES
from jalon_shared.settings import dev_url
from jalon_shared.smtp import SmtpSettings


class SurveySettings(SmtpSettings):
    """The follow-up survey's delay, mail relay and links; read from JALON_SURVEYS__* variables."""

    #: Days from a case's closing to its follow-up survey; tests and demos shorten it.
    follow_up_days: int = Field(default=182, ge=0, le=3650)
    #: The web front's public address, for the link in the e-mail.
    web_url: str = dev_url("web")
    #: Signs the survey links (HS256, 32 bytes at least): the web front's JALON_WEB__LINK_SECRET,
    #: which appointment's links also use. Unset, a secret is made per process and the web front
    #: refuses the links.
    link_secret: SecretStr | None = None
    #: How often an idle sender looks for due follow-ups; they wait months, so rarely.
    poll_interval_ms: int = Field(default=10_000, ge=10)
    #: How long a sender holds a claimed follow-up; far longer than one send may take.
    lease_seconds: int = Field(default=120, ge=5)

    @field_validator("link_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"the link secret needs at least {MIN_SECRET_BYTES} bytes")
        return value

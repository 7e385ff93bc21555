"""Remote session's own settings: mail, intake, the web front's address, the rooms."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr, field_validator

from jalon_shared.links import MIN_SECRET_BYTES
from jalon_shared.settings import dev_url
from jalon_shared.smtp import SmtpSettings


class ThreadsSettings(SmtpSettings):
    """Mail and intake for the new-message notice; read from JALON_THREADS__* variables."""

    intake_url: str = dev_url("intake")
    #: The web front's public address, for the link in the notice.
    web_url: str = dev_url("web")


class RoomsSettings(BaseModel):
    """Rooms, signalling and the media relay; read from JALON_ROOMS__* variables."""

    #: Signs the signalling tickets (HS256, 32 bytes at least). Required outside dev: unset, a
    #: secret is made per process, so a ticket taken from one replica fails on another.
    ticket_secret: SecretStr | None = None
    ticket_ttl_seconds: int = Field(default=120, ge=10, le=600)
    join_early_minutes: int = Field(default=15, ge=0, le=240)
    join_late_minutes: int = Field(default=60, ge=0, le=720)
    #: Collective sessions carry no end: they are taken to last this long.
    collective_hours: float = Field(default=3, gt=0, le=24)
    #: A started session left empty this long after its last leave ends at that leave.
    empty_room_grace_seconds: int = Field(default=300, ge=1)
    sweep_interval_seconds: float = Field(default=30, gt=0)
    capacity: int = Field(default=12, ge=2, le=50)
    #: The web front's origins: a signalling socket from any other page is refused.
    allowed_origins: list[str] = Field(default_factory=lambda: [dev_url("web")])
    #: First frame's deadline, and how long a pre-call check may last.
    hello_timeout_seconds: float = Field(default=10, gt=0)
    check_seconds: float = Field(default=60, gt=0)
    #: None by default: a public STUN server would send every test's traffic off the machine.
    stun_urls: list[str] = Field(default_factory=list)
    turn_urls: list[str] = Field(default_factory=list)
    #: The secret shared with the TURN server (coturn's static-auth-secret).
    turn_secret: SecretStr | None = None
    turn_ttl_seconds: int = Field(default=3600, ge=60)
    #: The relay's own addresses to gather on (empty: every address aioice finds).
    media_host_addresses: list[str] = Field(default_factory=list)
    #: Tests: keep every candidate on loopback.
    media_loopback_only: bool = False
    #: Attendees of a collective room get the presenter's picture scaled to this height, once per
    #: frame for all of them: at full size one core holds 8 attendees, at 240 lines a full room.
    collective_video_height: int | None = Field(default=240, ge=90, le=1080, multiple_of=2)

    @field_validator("ticket_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"the ticket secret needs at least {MIN_SECRET_BYTES} bytes")
        return value

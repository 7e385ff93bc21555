"""Settings shared by every service, read from JALON_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Every process's HTTP port in dev; containers listen on 8080 (JALON_HTTP_PORT) instead.
DEV_PORTS: dict[str, int] = {
    "web": 8100,
    "intake": 8101,
    "appointment": 8102,
    "remote_session": 8103,
    "document_signature": 8104,
    "reporting": 8105,
}
#: Who signs the tokens, and for whom; the web front issues, every service checks.
TOKEN_ISSUER = "jalon-web"  # noqa: S105 - a name, not a secret
TOKEN_AUDIENCE = "jalon"  # noqa: S105 - a name, not a secret


def dev_url(service: str) -> str:
    """Return a service's base URL on loopback in dev."""
    return f"http://127.0.0.1:{DEV_PORTS[service]}"


class KafkaSettings(BaseModel):
    """Kafka connection and consumer-group timings."""

    bootstrap_servers: str = "127.0.0.1:19092"
    # Tansu completes a group join after half the session timeout, so dev keeps it short.
    session_timeout_ms: int = Field(default=10_000, ge=1_000)
    heartbeat_interval_ms: int = Field(default=3_000, ge=100)
    request_timeout_ms: int = Field(default=30_000, ge=1_000)
    max_poll_records: int = Field(default=200, ge=1)
    #: How long a fetch may wait for data; the embedded broker waits it out in full.
    fetch_max_wait_ms: int = Field(default=100, ge=1)
    #: Create missing topics (explicit partitions) before publishing; off where ops own topics.
    manage_topics: bool = True


class MongoSettings(BaseModel):
    """MongoDB connection; each service owns one database."""

    uri: str = "mongodb://127.0.0.1:27018/?directConnection=true"
    database: str = ""
    timeout_ms: int = Field(default=5_000, ge=100)
    #: Connections (so commands in flight) from this process; the driver's default.
    max_pool_size: int = Field(default=100, ge=1)


class AuthSettings(BaseModel):
    """JWT verification settings; the public key is the web front's."""

    public_key_file: Path | None = None
    public_key_pem: str | None = None
    issuer: str = TOKEN_ISSUER
    audience: str = TOKEN_AUDIENCE
    leeway_seconds: int = 10
    #: The services' key pair: the public half admits service-to-service tokens, the private
    #: half (set only where a service calls another) signs them.
    service_public_key_file: Path | None = None
    service_public_key_pem: str | None = None
    service_private_key_file: Path | None = None
    service_private_key_pem: str | None = None

    def service_public_key(self) -> str | None:
        """Return the services' PEM public key, or None when no service token is admitted."""
        if self.service_public_key_pem:
            return self.service_public_key_pem
        if self.service_public_key_file is None:
            return None
        return self.service_public_key_file.read_text(encoding="utf-8")

    def service_private_key(self) -> str:
        """Return the services' PEM private key, for a service that calls another."""
        if self.service_private_key_pem:
            return self.service_private_key_pem
        if self.service_private_key_file is None:
            raise ValueError(
                "JALON_AUTH__SERVICE_PRIVATE_KEY_FILE or JALON_AUTH__SERVICE_PRIVATE_KEY_PEM is "
                "required"
            )
        return self.service_private_key_file.read_text(encoding="utf-8")

    def public_key(self) -> str:
        """Return the PEM public key from the inline value or the file."""
        if self.public_key_pem:
            return self.public_key_pem
        if self.public_key_file is None:
            raise ValueError(
                "JALON_AUTH__PUBLIC_KEY_FILE or JALON_AUTH__PUBLIC_KEY_PEM is required"
            )
        return self.public_key_file.read_text(encoding="utf-8")


class OutboxSettings(BaseModel):
    """Outbox relay tuning and the retention of published records."""

    poll_interval_ms: int = Field(default=500, ge=10)
    #: Shortest time between two relay cycles under load (the last batch held at least
    #: `busy_batch` records), so records gather into batches; idle, nothing waits.
    linger_ms: int = Field(default=30, ge=0)
    busy_batch: int = Field(default=8, ge=1)
    batch_size: int = Field(default=200, ge=1)
    retention_days: int = Field(default=30, ge=1)


class ConsumerSettings(BaseModel):
    """Retry policy before a message is dead-lettered."""

    max_attempts: int = Field(default=3, ge=1)
    retry_backoff_ms: int = Field(default=100, ge=0)


class ServiceSettings(BaseSettings):
    """Settings of one service process."""

    model_config = SettingsConfigDict(
        env_prefix="JALON_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    service_name: str = "jalon"
    http_host: str = "127.0.0.1"
    http_port: int = DEV_PORTS["web"]
    log_format: Literal["json", "console"] = "json"
    log_level: str = "INFO"
    kafka: KafkaSettings = KafkaSettings()
    mongo: MongoSettings = MongoSettings()
    auth: AuthSettings = AuthSettings()
    outbox: OutboxSettings = OutboxSettings()
    consumer: ConsumerSettings = ConsumerSettings()

    def database_name(self) -> str:
        """Return the service's own database name."""
        return self.mongo.database or f"jalon_{self.service_name}"

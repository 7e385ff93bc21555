"""Feed a service's directory copy from intake's topics, through its own consumer group."""

from __future__ import annotations

from datetime import timedelta

from jalon_shared.directory.store import Directory
from jalon_shared.events import topics
from jalon_shared.runtime import Infrastructure


def register_directory(infra: Infrastructure) -> Directory:
    """Keep a directory copy in the service's database, fed by its own consumer group."""
    directory = Directory(
        infra.database, erasure_memory=timedelta(days=infra.settings.outbox.retention_days)
    )
    infra.consume(
        f"{infra.settings.service_name}.directory",
        [topics.INTAKE_STAFF, topics.INTAKE_CASE, topics.INTAKE_BENEFICIARY],
        directory.apply,
    )
    return directory

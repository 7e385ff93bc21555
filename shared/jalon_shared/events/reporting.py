"""Events published by the reporting service."""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from jalon_shared.events import topics
from jalon_shared.events.envelope import Event


class ReportPublished(Event):
    """A region's monthly activity report was generated and can be downloaded."""

    TOPIC: ClassVar[str] = topics.REPORTING
    KEY_FIELD: ClassVar[str] = "report_id"

    event_type: Literal["reporting.report_published"] = "reporting.report_published"
    schema_version: Literal[1] = 1
    report_id: UUID
    region: str = Field(min_length=1, max_length=64)
    #: The month reported on, as YYYY-MM (Europe/Paris).
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    pages: int = Field(ge=1)
    size_bytes: int = Field(ge=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
